/**
 * The board's read models (the tab's live board): an iteration's progress by phase and chapter,
 * and its steps filtered and paged. Fast at plan scale: the static plan (steps, teams, chapters,
 * the graph and scope) comes from the plan snapshot cache; each answer reads the database twice:
 * one query for the iteration, the plan revision, the chapters in order and the audit seq, and one
 * for the step states that are not OPEN (an absent row is OPEN). Readiness is derived, as always.
 */
import type { DurationBasis } from '../domain/duration-basis.js';
import { sql } from '../db/orm.js';
import { queryRows, toDate, type Queryable } from '../db/client.js';
import { isStepReady } from '../domain/readiness.js';
import type { WorkStatus } from '../domain/statuses.js';
import type { Engine, IterationRow } from './engine.js';
import type { PlanSnapshot } from './plan-snapshot.js';
import { NotFoundError } from './read-models.js';

/** What the board shows as a step's status: READY is an OPEN step whose predecessors are finished. */
export type BoardStatus = WorkStatus | 'READY';

export interface BoardCounts {
  total: number;
  done: number;
  cancelled: number;
  inProgress: number;
  failed: number;
  onHold: number;
  /** In progress past the step's indicative duration. */
  late: number;
  ready: number;
}

export interface BoardIteration {
  name: string;
  kind: string;
  status: IterationRow['status'];
  timeZone: string;
  comms: IterationRow['comms'];
  /** Which durations its forecast uses (docs/time.md). */
  durationBasis: DurationBasis;
}

export interface BoardSummary {
  iteration: BoardIteration;
  /** The audit seq the answer is as of: the page's live stream replays anything after it. */
  asOfSeq: number;
  now: Date;
  totals: BoardCounts;
  phases: { name: string; counts: BoardCounts; chapters: { name: string; counts: BoardCounts }[] }[];
  /** For the filters: the teams owning in-scope steps, and the phases, in plan order. */
  teams: string[];
}

export interface BoardStep {
  id: string;
  title: string;
  team: string;
  phase: string;
  chapter: string;
  status: BoardStatus;
  startedAt: Date | null;
  endedAt: Date | null;
  durationMinutes: number | null;
  /** Minutes since it started, while in progress, failed or on hold from in progress. */
  elapsedMinutes: number | null;
  late: boolean;
}

/** `active` (the default) is what needs eyes: ready, in progress, failed and on hold. */
export const BOARD_STATUS_FILTERS = [
  'active',
  'all',
  'ready',
  'in_progress',
  'late',
  'failed',
  'on_hold',
  'open',
  'done',
  'cancelled',
] as const;
export type BoardStatusFilter = (typeof BOARD_STATUS_FILTERS)[number];

export interface BoardStepQuery {
  iteration?: string | null;
  team?: string | null;
  phase?: string | null;
  status?: BoardStatusFilter;
  /** Matched against the id and the title, case-insensitively. */
  text?: string | null;
  offset?: number;
  /** At most 200. Default 50. */
  limit?: number;
}

export interface BoardStepPage {
  iteration: BoardIteration;
  asOfSeq: number;
  total: number;
  offset: number;
  steps: BoardStep[];
}

interface StateRow {
  step_id: number;
  status: WorkStatus;
  started_at: Date | string | null;
  ended_at: Date | string | null;
  duration: number | null;
}

/** Everything one answer needs, read in two queries. */
interface BoardState {
  iteration: BoardIteration & { id: number };
  asOfSeq: number;
  snapshot: PlanSnapshot;
  /** Chapters in plan order with their phase. */
  chapters: { chapter: string; phase: string }[];
  statusOf: (index: number) => WorkStatus;
  rowOf: (index: number) => StateRow | undefined;
}

async function loadBoardState(engine: Engine, iterationName: string | null): Promise<BoardState> {
  const db = engine.database.db;
  const iterationFilter =
    iterationName === null
      ? sql`status = 'ACTIVE' and not archived`
      : sql`lower(name) = lower(${iterationName.trim()}) and not archived`;
  const [head] = await queryRows<{
    revision: number | null;
    seq: number | string | null;
    chapters: { chapter: string; phase: string }[] | string | null;
    iteration: (BoardIteration & { id: number }) | string | null;
  }>(
    db,
    sql`select (select revision from plan_meta where id = 1) as revision,
          (select seq from audit_head where id = 1) as seq,
          (select json_agg(json_build_object('chapter', c.name, 'phase', p.name) order by p.sort_order, p.id, c.sort_order, c.id)
             from chapters c join phases p on p.id = c.phase_id where not c.archived) as chapters,
          (select json_build_object('id', id, 'name', name, 'kind', kind, 'status', status, 'timeZone', time_zone, 'comms', comms, 'durationBasis', duration_basis)
             from iterations where ${iterationFilter} limit 1) as iteration`,
  );
  const iteration = parseJson(head?.iteration);
  if (!iteration) {
    throw new NotFoundError(
      iterationName === null ? 'No iteration is active.' : `There is no iteration "${iterationName}".`,
    );
  }
  const snapshot = await engine.plans.get(db, head?.revision ?? 0);
  const rows = await queryRows<StateRow>(
    db,
    sql`select ss.step_id, ss.status, ss.started_at, ss.ended_at, s.duration_minutes as duration
        from step_states ss join steps s on s.id = ss.step_id
        where ss.iteration_id = ${iteration.id} and ss.status <> 'OPEN'`,
  );
  const byIndex = new Array<StateRow | undefined>(snapshot.steps.length);
  for (const row of rows) {
    const index = snapshot.indexOfDbId(row.step_id);
    if (index !== undefined) byIndex[index] = row;
  }
  return {
    iteration,
    asOfSeq: Number(head?.seq ?? 0),
    snapshot,
    chapters: parseJson(head?.chapters) ?? [],
    statusOf: (index) => byIndex[index]?.status ?? 'OPEN',
    rowOf: (index) => byIndex[index],
  };
}

// node-postgres parses json columns; PGlite's raw results may leave them as text.
function parseJson<T>(value: T | string | null | undefined): T | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

function publicIteration(iteration: BoardState['iteration']): BoardIteration {
  const { name, kind, status, timeZone, comms, durationBasis } = iteration;
  return { name, kind, status, timeZone, comms, durationBasis };
}

function emptyCounts(): BoardCounts {
  return { total: 0, done: 0, cancelled: 0, inProgress: 0, failed: 0, onHold: 0, late: 0, ready: 0 };
}

/** The board status of each in-scope step, with its timing, in plan order. */
function boardSteps(state: BoardState, now: Date): (BoardStep & { index: number })[] {
  const { snapshot } = state;
  const scope = snapshot.scopeOf(state.iteration.id);
  const phaseOf = new Map(state.chapters.map((c) => [c.chapter, c.phase]));
  const steps: (BoardStep & { index: number })[] = [];
  for (let index = 0; index < snapshot.steps.length; index++) {
    if (!scope.isInScope(index)) continue;
    const step = snapshot.steps[index]!;
    const row = state.rowOf(index);
    const status = state.statusOf(index);
    const startedAt = toDate(row?.started_at);
    const running = status === 'IN_PROGRESS' || status === 'FAILED' || status === 'ON_HOLD';
    const elapsedMinutes =
      running && startedAt ? Math.floor((now.getTime() - startedAt.getTime()) / 60_000) : null;
    const duration = row?.duration ?? null;
    steps.push({
      index,
      id: step.key,
      title: step.title,
      team: step.team,
      phase: phaseOf.get(step.chapter) ?? '',
      chapter: step.chapter,
      status: status === 'OPEN' && isStepReady(scope, index, state.statusOf) ? 'READY' : status,
      startedAt,
      endedAt: toDate(row?.ended_at),
      durationMinutes: duration,
      elapsedMinutes,
      late:
        status === 'IN_PROGRESS' && elapsedMinutes !== null && duration !== null && elapsedMinutes > duration,
    });
  }
  return steps;
}

function count(counts: BoardCounts, step: BoardStep): void {
  counts.total++;
  if (step.status === 'DONE') counts.done++;
  else if (step.status === 'CANCELLED') counts.cancelled++;
  else if (step.status === 'IN_PROGRESS') counts.inProgress++;
  else if (step.status === 'FAILED') counts.failed++;
  else if (step.status === 'ON_HOLD') counts.onHold++;
  else if (step.status === 'READY') counts.ready++;
  if (step.late) counts.late++;
}

/**
 * The board of an iteration (the active one when `iterationName` is null): counts by phase and
 * chapter, in plan order. Throws NotFoundError for an unknown iteration or none active.
 */
export async function getBoardSummary(
  engine: Engine,
  iterationName: string | null,
  now: Date,
): Promise<BoardSummary> {
  const state = await loadBoardState(engine, iterationName);
  const totals = emptyCounts();
  const byChapter = new Map<string, BoardCounts>();
  const teams = new Set<string>();
  for (const step of boardSteps(state, now)) {
    count(totals, step);
    let counts = byChapter.get(step.chapter);
    if (!counts) byChapter.set(step.chapter, (counts = emptyCounts()));
    count(counts, step);
    teams.add(step.team);
  }
  const phases: BoardSummary['phases'] = [];
  for (const { chapter, phase } of state.chapters) {
    const counts = byChapter.get(chapter);
    if (!counts) continue; // no step of this chapter runs in this iteration
    let entry = phases[phases.length - 1];
    if (entry?.name !== phase) phases.push((entry = { name: phase, counts: emptyCounts(), chapters: [] }));
    entry.chapters.push({ name: chapter, counts });
    for (const key of Object.keys(counts) as (keyof BoardCounts)[]) entry.counts[key] += counts[key];
  }
  return {
    iteration: publicIteration(state.iteration),
    asOfSeq: state.asOfSeq,
    now,
    totals,
    phases,
    teams: [...teams].sort((a, b) => a.localeCompare(b)),
  };
}

// Problems first, then what can start, then the rest; plan order within each.
const STATUS_RANK: Record<BoardStatus, number> = {
  FAILED: 0,
  IN_PROGRESS: 1,
  ON_HOLD: 2,
  READY: 3,
  OPEN: 4,
  DONE: 5,
  CANCELLED: 6,
};

function matchesStatus(step: BoardStep, filter: BoardStatusFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'active':
      return ['READY', 'IN_PROGRESS', 'FAILED', 'ON_HOLD'].includes(step.status);
    case 'late':
      return step.late;
    case 'ready':
      return step.status === 'READY';
    case 'in_progress':
      return step.status === 'IN_PROGRESS';
    case 'failed':
      return step.status === 'FAILED';
    case 'on_hold':
      return step.status === 'ON_HOLD';
    case 'open':
      return step.status === 'OPEN';
    case 'done':
      return step.status === 'DONE';
    case 'cancelled':
      return step.status === 'CANCELLED';
  }
}

/** One page of an iteration's steps matching the filters, problems first (see STATUS_RANK). */
export async function listBoardSteps(
  engine: Engine,
  query: BoardStepQuery,
  now: Date,
): Promise<BoardStepPage> {
  const state = await loadBoardState(engine, query.iteration ?? null);
  const team = query.team?.toLowerCase() || null;
  const phase = query.phase?.toLowerCase() || null;
  const text = query.text?.trim().toLowerCase() || null;
  const status = query.status ?? 'active';
  const matching = boardSteps(state, now).filter(
    (step) =>
      (team === null || step.team.toLowerCase() === team) &&
      (phase === null || step.phase.toLowerCase() === phase) &&
      matchesStatus(step, status) &&
      (text === null || step.id.toLowerCase().includes(text) || step.title.toLowerCase().includes(text)),
  );
  matching.sort(
    (a, b) =>
      STATUS_RANK[a.status] - STATUS_RANK[b.status] || Number(b.late) - Number(a.late) || a.index - b.index,
  );
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
  const offset = Math.max(query.offset ?? 0, 0);
  return {
    iteration: publicIteration(state.iteration),
    asOfSeq: state.asOfSeq,
    total: matching.length,
    offset,
    steps: matching.slice(offset, offset + limit).map(({ index: _index, ...step }) => step),
  };
}

/** The iterations in plan order, for the tab's iteration picker: one light query, no counts. */
export async function listBoardIterations(db: Queryable): Promise<BoardIteration[]> {
  return queryRows<BoardIteration>(
    db,
    sql`select name, kind, status, time_zone as "timeZone", comms, duration_basis as "durationBasis"
        from iterations where not archived order by sort_order, id`,
  );
}
