/**
 * Everything a step card shows, read from the database for one step in one iteration. The card
 * renderer (`render-step-card.ts`) is pure: it turns this data, plus who is looking, into an
 * Adaptive Card. Times are formatted here, in the iteration's time zone, so the renderer never
 * needs a clock or a zone.
 *
 * Terminology:
 * - **as of**: the moment the data was read (`now`), shown in the card's footer ("Updated 03:12").
 * - **elapsed**: minutes since the step was started, while it is IN_PROGRESS.
 * - **version**: `step_states.version`, bumped by every transition of the step; a card update
 *   worker compares it with the version a posted card last showed to skip stale renders.
 */
import { sql } from '../../db/orm.js';
import { DateTime } from 'luxon';
import { toDate } from '../../db/client.js';
import { isStepReady } from '../../domain/readiness.js';
import type { WorkStatus } from '../../domain/statuses.js';
import type { Engine, IterationRow } from '../../engine/engine.js';
import type { PlanSnapshot } from '../../engine/plan-snapshot.js';
import { formatLocalTime } from '../../engine/messages.js';
import { NotFoundError } from '../../engine/read-models.js';
import { opensAtText } from '../../engine/fixed-starts.js';
import { glanceStepForecast } from '../../engine/forecast-glance.js';
import { isGoNoGoStep, type PhaseControl } from '../../domain/go-no-go.js';
import { loadPhaseControls } from '../../engine/phase-controls.js';
import { htmlToPlainText } from './plain-text.js';

/** A moment as the card shows it: the instant, and the same in the iteration's time zone. */
export interface LocalMoment {
  at: Date;
  /** `2026-12-05 19:44 CET` (see `formatLocalTime`). */
  local: string;
}

export interface StepCardTask {
  /** Canonical task id, `TRT-12345a-3`. */
  id: string;
  /** The rich description as one line of plain text (HTML stripped, entities decoded). */
  description: string;
  /** The team that carries the task out; may differ from the step's owning team. */
  team: string;
  status: WorkStatus;
}

/**
 * A control on the card: its id (`C0042-b`) and name, the producer and validator teams, this
 * iteration's result and whether the validator team (or a pilot) confirmed it.
 */
export type StepCardControl = PhaseControl;

export interface StepCardData {
  iteration: Pick<IterationRow, 'id' | 'name' | 'status' | 'timeZone' | 'comms'>;
  /** Surrogate key of the step (`steps.id`), as job payloads carry it. */
  stepDbId: number;
  /** Canonical step id, `TRT-12345a`. */
  id: string;
  title: string;
  phase: string;
  chapter: string;
  /** The step's owning team: its members may start, finish, fail and retry it. */
  team: string;
  environment: string;
  /** Indicative duration; null when the plan gives none. */
  durationMinutes: number | null;
  /** Empty when the plan gives none. */
  instructionsUrl: string;
  /** The chapter's planned window in this iteration, formatted; null when not scheduled. */
  plannedWindow: { start: string; end: string } | null;
  /** Effective predecessors (through out-of-scope steps) with their status in this iteration. */
  predecessors: { id: string; status: WorkStatus }[];
  /** Whether the step runs in this iteration at all. */
  inScope: boolean;
  /** Derived readiness (see `readiness.ts`): in scope, OPEN, every effective predecessor finished, fixed start passed. */
  ready: boolean;
  /** When the step opens (its fixed start, formatted), while that is ahead; null otherwise. */
  opensAt?: string | null;
  status: WorkStatus;
  /** The status an ON_HOLD step left, which resume restores. */
  heldFrom: WorkStatus | null;
  /**
   * The last reason given (fail, hold, cancel). The engine keeps it after later actions, so it is
   * the current reason only while the status is FAILED, ON_HOLD or CANCELLED.
   */
  reason: string | null;
  /** The last accepted action, who took it and when; null before anyone acted. */
  lastChange: ({ action: string; byName: string } & LocalMoment) | null;
  /** Who started the step and when; null until started. */
  started: ({ byName: string } & LocalMoment) | null;
  /** Whole minutes since the start while IN_PROGRESS, else null. */
  elapsedMinutes: number | null;
  /** Whole minutes from start to end once DONE, else null: what pilots compare with the plan. */
  actualMinutes: number | null;
  tasks: StepCardTask[];
  /** Controls linked to the step's tasks, each once. */
  controls: StepCardControl[];
  /**
   * A go/no-go step (IGO, BGO, GON; src/domain/go-no-go.ts): the controls of its phase, failed and
   * open first; absent for any other step.
   */
  phaseControls?: { phase: string; controls: StepCardControl[] } | null;
  /**
   * While the step is unfinished in an active iteration: its forecast end (formatted) and whether it
   * is on the critical path, from the forecast this instance holds in memory, and which durations
   * it uses (`basis`); null when it holds none.
   */
  forecast?: { end: string; critical: boolean; basis: string } | null;
  /** `step_states.version`; 0 while the step has no state row. */
  version: number;
  /** When the data was read; `localTime` is `HH:mm` in the iteration's time zone. */
  asOf: { at: Date; localTime: string };
}

interface CardRow {
  revision: number | string | null;
  iteration_id: number | null;
  iteration_name: string | null;
  iteration_status: IterationRow['status'] | null;
  time_zone: string | null;
  comms: IterationRow['comms'] | null;
  iteration_archived: boolean | null;
  key: string | null;
  title: string;
  environment: string;
  duration_minutes: number | null;
  instructions_url: string;
  chapter: string;
  phase: string;
  team: string;
  status: WorkStatus | null;
  held_from: WorkStatus | null;
  reason: string | null;
  started_at: Date | string | null;
  started_by: string | null;
  ended_at: Date | string | null;
  last_action: string | null;
  changed_at: Date | string | null;
  changed_by: string | null;
  changed_by_name: string | null;
  version: number | null;
  planned_start: Date | string | null;
  planned_end: Date | string | null;
  /** `[[step id, status], …]` of the predecessors that have a state row. */
  predecessor_statuses: Json<[number, WorkStatus][]>;
  tasks: Json<{ id: string; description_html: string; team: string; status: WorkStatus }[]>;
  controls: Json<StepCardControl[]>;
}

/** node-postgres parses json columns; other drivers may hand back the text. */
type Json<T> = T | string;
function parsed<T>(value: Json<T>): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

/**
 * The one query behind a card: the plan revision (to check the snapshot the predecessors came
 * from), the iteration, the step with its state and planned window, its predecessors' statuses,
 * its tasks with their statuses and its controls with their results. Always one row: the
 * iteration's and the step's columns are null when either does not exist (or the step is archived).
 *
 * The states and results are read by primary key, per task and per control (scalar subqueries,
 * id = any(array(…))), never by joining the iteration's state tables: right after an activation
 * (and whenever autovacuum has not analysed them yet) PostgreSQL has no statistics on them and
 * would hash all 44,000 task states of a 20,000-step plan, 9 ms per card instead of 0.2 ms.
 */
function cardQuery(iterationId: number, stepId: number, predecessorDbIds: readonly number[]) {
  // One array parameter, so that the text is the same for every card (a prepared statement).
  const predecessors = `{${predecessorDbIds.join(',')}}`;
  return sql`select (select revision from plan_meta where id = 1) as revision,
      i.id as iteration_id, i.name as iteration_name, i.status as iteration_status, i.time_zone, i.comms,
      i.archived as iteration_archived,
      s.key, s.title, s.environment, s.duration_minutes, s.instructions_url,
      s.chapter, s.phase, s.team,
      ss.status, ss.held_from, ss.reason, ss.started_at, ss.started_by, ss.ended_at,
      ss.last_action, ss.changed_at, ss.changed_by, ss.changed_by_name, ss.version,
      cs.planned_start, cs.planned_end,
      (select coalesce(json_agg(json_build_array(step_id, status)), '[]'::json) from step_states
         where iteration_id = ${iterationId} and step_id = any(${predecessors}::int[])) as predecessor_statuses,
      (select coalesce(json_agg(json_build_object(
                 'id', t.key, 'description_html', t.description_html, 'team', tm.name,
                 'status', coalesce((select ts.status from task_states ts
                                     where ts.iteration_id = ${iterationId} and ts.task_id = t.id), 'OPEN'))
               order by t.number), '[]'::json)
         from tasks t join teams tm on tm.id = t.team_id
         where t.step_id = ${stepId} and not t.archived) as tasks,
      (select coalesce(json_agg(json_build_object(
                 'id', c.key, 'name', c.name, 'producer', pt.name, 'validator', vt.name,
                 'result', coalesce((select cr.result from control_results cr
                                     where cr.iteration_id = ${iterationId} and cr.control_id = c.id), 'OPEN'),
                 'confirmed', exists(select 1 from control_results cr
                                     where cr.iteration_id = ${iterationId} and cr.control_id = c.id
                                       and cr.confirmed_at is not null))
               order by c.key), '[]'::json)
         from controls c
         join teams pt on pt.id = c.producer_team_id join teams vt on vt.id = c.validator_team_id
         where c.id = any(array(
             select tc.control_id from task_controls tc
             where tc.task_id = any(array(select t.id from tasks t where t.step_id = ${stepId} and not t.archived))))
           and not c.archived) as controls
    from (select 1) one
    left join iterations i on i.id = ${iterationId}
    left join (
      select s.id, s.key, s.title, s.environment, s.duration_minutes, s.instructions_url, s.chapter_id,
        c.name as chapter, p.name as phase, tm.name as team
      from steps s
      join chapters c on c.id = s.chapter_id
      join phases p on p.id = c.phase_id
      join teams tm on tm.id = s.team_id
      where s.id = ${stepId} and not s.archived) s on true
    left join step_states ss on ss.step_id = s.id and ss.iteration_id = ${iterationId}
    left join chapter_schedules cs on cs.chapter_id = s.chapter_id and cs.iteration_id = ${iterationId}`;
}

/**
 * Loads what the card of step `stepId` in iteration `iterationId` shows, as of `now` (both ids
 * are surrogate keys, as `step-card.sync` job payloads carry them). Throws `NotFoundError` for an
 * unknown iteration or an unknown or archived step.
 */
export async function loadStepCardData(
  engine: Engine,
  iterationId: number,
  stepId: number,
  now: Date,
  /** The plan snapshot the caller has just used, if any: checked against the revision, not reloaded. */
  known: { snapshot?: PlanSnapshot } = {},
): Promise<StepCardData> {
  return (await readStepCard(engine, iterationId, stepId, now, known.snapshot)).data;
}

/**
 * `loadStepCardData`, also telling whether the iteration is archived (for a caller that found it
 * by name, which archived iterations no longer answer to).
 *
 * One round trip (`cardQuery`, a prepared statement) on a warm service: cards are rendered after
 * every click and every change, at 20,000 steps. The predecessors come from the newest plan snapshot this process has;
 * the query returns the current revision too, and when the snapshot is older the card is read
 * again with the current one. It runs outside a transaction, as one statement: the step, its
 * state, its tasks and controls are all as of the same moment, and the status and `version` come
 * from the same row, so the version always matches the status shown.
 */
export async function readStepCard(
  engine: Engine,
  iterationId: number,
  stepId: number,
  now: Date,
  knownSnapshot?: PlanSnapshot,
): Promise<{ data: StepCardData; iterationArchived: boolean }> {
  const db = engine.database.db;
  let snapshot = knownSnapshot ?? engine.plans.latest() ?? (await engine.snapshot());
  for (let attempt = 1; ; attempt++) {
    const index = snapshot.indexOfDbId(stepId);
    const scope = snapshot.scopeOf(iterationId);
    const predecessorIndices = index === undefined ? [] : scope.effectivePredecessors(index);
    const [row] = await engine.database.queryPrepared<CardRow>(
      'step-card',
      cardQuery(
        iterationId,
        stepId,
        predecessorIndices.map((i) => snapshot.steps[i]!.dbId),
      ),
    );
    const revision = Number(row!.revision ?? 0);
    // An import since the snapshot was loaded: read again with the current plan (once; a second
    // import within a query's time is shown at the next render).
    if (revision !== snapshot.revision && attempt === 1) {
      snapshot = await engine.plans.get(db, revision);
      continue;
    }
    if (row!.iteration_id === null) throw new NotFoundError(`There is no iteration with id ${iterationId}.`);
    if (index === undefined || row!.key === null)
      throw new NotFoundError(`There is no step with id ${stepId} in the plan.`);
    const data = cardData(engine, row!, { snapshot, index, predecessorIndices, stepId, now });
    // Only go/no-go steps pay this second query (src/engine/phase-controls.ts).
    if (isGoNoGoStep(data.id)) data.phaseControls = await loadPhaseControls(db, snapshot, iterationId, index);
    return { data, iterationArchived: row!.iteration_archived === true };
  }
}

function cardData(
  engine: Engine,
  row: CardRow,
  found: {
    snapshot: PlanSnapshot;
    index: number;
    predecessorIndices: readonly number[];
    stepId: number;
    now: Date;
  },
): StepCardData {
  const { snapshot, index, predecessorIndices, stepId, now } = found;
  const iteration: StepCardData['iteration'] = {
    id: row.iteration_id!,
    name: row.iteration_name!,
    status: row.iteration_status!,
    timeZone: row.time_zone!,
    comms: row.comms!,
  };
  const scope = snapshot.scopeOf(iteration.id);
  const predecessorStatuses = new Map<number, WorkStatus>(parsed(row.predecessor_statuses));
  const status: WorkStatus = row.status ?? 'OPEN';
  const statusOf = (i: number): WorkStatus =>
    i === index ? status : (predecessorStatuses.get(snapshot.steps[i]!.dbId) ?? 'OPEN');

  const zone = iteration.timeZone;
  const moment = (at: Date): LocalMoment => ({ at, local: formatLocalTime(at, zone) });
  const startedAt = toDate(row.started_at);
  const endedAt = toDate(row.ended_at);
  const changedAt = toDate(row.changed_at);
  const plannedStart = toDate(row.planned_start);
  const plannedEnd = toDate(row.planned_end);
  const glance = scope.isInScope(index)
    ? glanceStepForecast(
        engine,
        iteration,
        snapshot,
        index,
        {
          status,
          heldFrom: row.held_from,
          startedAt: startedAt?.getTime() ?? null,
          endedAt: endedAt?.getTime() ?? null,
          changedAt: changedAt?.getTime() ?? null,
          durationMinutes: row.duration_minutes,
        },
        now,
      )
    : null;

  return {
    iteration,
    stepDbId: stepId,
    id: row.key!,
    title: row.title,
    phase: row.phase,
    chapter: row.chapter,
    team: row.team,
    environment: row.environment,
    durationMinutes: row.duration_minutes,
    instructionsUrl: row.instructions_url,
    plannedWindow:
      plannedStart && plannedEnd
        ? { start: formatLocalTime(plannedStart, zone), end: formatLocalTime(plannedEnd, zone) }
        : null,
    predecessors: predecessorIndices.map((i) => ({ id: snapshot.steps[i]!.key, status: statusOf(i) })),
    inScope: scope.isInScope(index),
    ready: isStepReady(scope, index, statusOf, now.getTime()),
    opensAt: status === 'OPEN' ? opensAtText(scope, index, { now, iteration }) : null,
    status,
    heldFrom: row.held_from,
    reason: row.reason,
    lastChange:
      row.last_action && changedAt
        ? {
            action: row.last_action,
            byName: row.changed_by_name || nameOf(engine, row.changed_by),
            ...moment(changedAt),
          }
        : null,
    started: startedAt ? { byName: nameOf(engine, row.started_by), ...moment(startedAt) } : null,
    elapsedMinutes: status === 'IN_PROGRESS' && startedAt ? wholeMinutesBetween(startedAt, now) : null,
    actualMinutes: status === 'DONE' && startedAt && endedAt ? wholeMinutesBetween(startedAt, endedAt) : null,
    tasks: parsed(row.tasks).map((task) => ({
      id: task.id,
      description: htmlToPlainText(task.description_html),
      team: task.team,
      status: task.status,
    })),
    controls: parsed(row.controls),
    forecast: glance
      ? { end: formatLocalTime(glance.end, zone), critical: glance.critical, basis: glance.basis }
      : null,
    version: row.version ?? 0,
    asOf: { at: now, localTime: DateTime.fromJSDate(now, { zone }).toFormat('HH:mm') },
  };
}

/**
 * State rows record actors by email (the audit's key); people read names. Someone who has since
 * left the directory is still shown, by email.
 */
function nameOf(engine: Engine, email: string | null): string {
  if (!email) return '';
  return engine.directory.findByEmail(email)?.name ?? email;
}

/** Whole minutes from `from` to `to`, never negative (clocks of two instances may disagree). */
function wholeMinutesBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 60_000));
}
