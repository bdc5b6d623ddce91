/**
 * Read models: what the doors show (CLI status and ready lists, later the cards and the tab).
 * Readiness is derived here from the plan snapshot and the stored statuses, never stored.
 */
import type { DurationBasis } from '../domain/duration-basis.js';
import type { PhaseControl } from '../domain/go-no-go.js';
import { loadPhaseControls, type PhaseControls } from './phase-controls.js';
import type { Placeholder, SQL } from 'drizzle-orm';
import { sql } from '../db/orm.js';
import { queryRows, toDate, type Queryable } from '../db/client.js';
import { parseAnyId } from '../domain/ids.js';
import { isStepReady, readySteps } from '../domain/readiness.js';
import type { WorkStatus } from '../domain/statuses.js';
import type { Engine, IterationRow } from './engine.js';

export interface IterationSummary {
  name: string;
  kind: string;
  timeZone: string;
  comms: string;
  status: string;
  activatedAt: Date | null;
  closedAt: Date | null;
  inScope: number;
  done: number;
  /** Which durations its forecast uses (docs/time.md). */
  durationBasis: DurationBasis;
}

/** Every iteration in plan order with its progress. */
export async function listIterations(db: Queryable): Promise<IterationSummary[]> {
  const rows = await queryRows<
    Omit<IterationSummary, 'activatedAt' | 'closedAt'> & {
      activatedAt: Date | string | null;
      closedAt: Date | string | null;
    }
  >(
    db,
    sql`select i.name, i.kind, i.time_zone as "timeZone", i.comms, i.status, i.activated_at as "activatedAt", i.closed_at as "closedAt",
          i.duration_basis as "durationBasis",
          (select count(*)::int from step_scope sc join steps s on s.id = sc.step_id where sc.iteration_id = i.id and not s.archived) as "inScope",
          (select count(*)::int from step_states ss join steps s on s.id = ss.step_id where ss.iteration_id = i.id and ss.status in ('DONE', 'CANCELLED') and not s.archived) as done
        from iterations i where not i.archived order by i.sort_order, i.id`,
  );
  return rows.map((row) => ({
    ...row,
    activatedAt: toDate(row.activatedAt),
    closedAt: toDate(row.closedAt),
  }));
}

/** Thrown by read models for a subject or iteration that does not exist; the message names it. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** The named iteration (case-insensitive; the active one when null), or undefined. */
export async function findIterationByName(
  db: Queryable,
  name: string | null,
): Promise<IterationRow | undefined> {
  const rows = await queryRows<IterationRow>(db, iterationByNameSql(name));
  return rows[0];
}

/** The query of `findIterationByName`, for statements that read more in the same round trip. */
export function iterationByNameSql(name: string | Placeholder | null): SQL {
  return name === null
    ? sql`select id, name, status, time_zone as "timeZone", comms from iterations where status = 'ACTIVE' and not archived`
    : sql`select id, name, status, time_zone as "timeZone", comms from iterations where lower(name) = lower(${name}) and not archived`;
}

async function resolveIteration(db: Queryable, name: string | null): Promise<IterationRow> {
  const iteration = await findIterationByName(db, name);
  if (!iteration) {
    throw new NotFoundError(
      name === null
        ? 'No iteration is active; name one with --iteration.'
        : `There is no iteration "${name}".`,
    );
  }
  return iteration;
}

/** Stored statuses of an iteration's steps (all of them, or those of `stepIds`); absent means OPEN. */
async function statusMap(
  db: Queryable,
  iterationId: number,
  stepIds?: readonly number[],
): Promise<Map<number, WorkStatus>> {
  const rows = await queryRows<{ step_id: number; status: WorkStatus }>(
    db,
    stepIds === undefined
      ? sql`select step_id, status from step_states where iteration_id = ${iterationId}`
      : sql`select step_id, status from step_states where iteration_id = ${iterationId}
            and step_id in (${sql.join(
              stepIds.map((id) => sql`${id}`),
              sql`, `,
            )})`,
  );
  return new Map(rows.map((row) => [row.step_id, row.status]));
}

export interface ReadyStep {
  id: string;
  title: string;
  team: string;
  chapter: string;
}

/** The ready steps of an iteration (the active one by default), optionally of one team. */
export async function listReadySteps(
  engine: Engine,
  options: { iteration?: string | null; team?: string | null } = {},
): Promise<{ iteration: string; steps: ReadyStep[] }> {
  const db = engine.database.db;
  const iteration = await resolveIteration(db, options.iteration ?? null);
  const snapshot = await engine.snapshot();
  const statuses = await statusMap(db, iteration.id);
  const ready = readySteps(
    snapshot.scopeOf(iteration.id),
    (i) => statuses.get(snapshot.steps[i]!.dbId) ?? 'OPEN',
    engine.now().getTime(),
  );
  const team = options.team?.toLowerCase() ?? null;
  return {
    iteration: iteration.name,
    steps: ready
      .map((i) => snapshot.steps[i]!)
      .filter((step) => team === null || step.team.toLowerCase() === team)
      .map((step) => ({ id: step.key, title: step.title, team: step.team, chapter: step.chapter })),
  };
}

export interface StepDetail {
  iteration: string;
  /** The iteration's time zone, in which people read its times. */
  timeZone: string;
  id: string;
  title: string;
  phase: string;
  chapter: string;
  team: string;
  environment: string;
  durationMinutes: number | null;
  instructionsUrl: string;
  inScope: boolean;
  status: WorkStatus;
  heldFrom: WorkStatus | null;
  ready: boolean;
  reason: string | null;
  startedAt: Date | null;
  startedBy: string | null;
  endedAt: Date | null;
  endedBy: string | null;
  lastChange: { action: string; by: string; at: Date } | null;
  predecessors: { id: string; status: WorkStatus }[];
  successors: { id: string; status: WorkStatus }[];
  tasks: { id: string; team: string; status: WorkStatus }[];
  controls: PhaseControl[];
  /** A go/no-go step (IGO, BGO, GON): the controls of its phase (src/engine/phase-controls.ts); else null. */
  phaseControls: PhaseControls | null;
}

/** A step's state in an iteration, with its effective links, tasks and controls. */
export async function getStepDetail(
  engine: Engine,
  input: string,
  iterationName: string | null = null,
): Promise<StepDetail> {
  const db = engine.database.db;
  const iteration = await resolveIteration(db, iterationName);
  const snapshot = await engine.snapshot();
  const parsed = parseAnyId(input, (type) => snapshot.stepTypes.has(type));
  if (!parsed.ok) throw new NotFoundError(parsed.problem);
  const key = parsed.id.kind === 'task' ? parsed.id.step.canonical : parsed.id.canonical;
  const index = parsed.id.kind === 'control' ? undefined : snapshot.indexOfKey(key);
  if (index === undefined) throw new NotFoundError(`There is no step ${key} in the plan.`);
  const step = snapshot.steps[index]!;
  const scope = snapshot.scopeOf(iteration.id);
  // Only the statuses shown and needed for readiness: the step and its effective links.
  const involved = [index, ...scope.effectivePredecessors(index), ...scope.effectiveSuccessors(index)];
  const statuses = await statusMap(
    db,
    iteration.id,
    involved.map((i) => snapshot.steps[i]!.dbId),
  );
  const statusOf = (i: number) => statuses.get(snapshot.steps[i]!.dbId) ?? 'OPEN';

  const [row] = await queryRows<{
    phase: string;
    environment: string;
    duration: number | null;
    url: string;
    held_from: WorkStatus | null;
    reason: string | null;
    started_at: Date | string | null;
    started_by: string | null;
    ended_at: Date | string | null;
    ended_by: string | null;
    last_action: string | null;
    changed_by_name: string | null;
    changed_at: Date | string | null;
  }>(
    db,
    sql`select p.name as phase, s.environment, s.duration_minutes as duration, s.instructions_url as url,
          ss.held_from, ss.reason, ss.started_at, ss.started_by, ss.ended_at, ss.ended_by, ss.last_action, ss.changed_by_name, ss.changed_at
        from steps s join chapters c on c.id = s.chapter_id join phases p on p.id = c.phase_id
        left join step_states ss on ss.step_id = s.id and ss.iteration_id = ${iteration.id}
        where s.id = ${step.dbId}`,
  );
  const tasks = await queryRows<{ id: string; team: string; status: WorkStatus }>(
    db,
    sql`select t.key as id, tm.name as team, coalesce(ts.status, 'OPEN') as status from tasks t join teams tm on tm.id = t.team_id
        left join task_states ts on ts.task_id = t.id and ts.iteration_id = ${iteration.id}
        where t.step_id = ${step.dbId} and not t.archived order by t.number`,
  );
  const controls = await queryRows<PhaseControl>(
    db,
    sql`select distinct c.key as id, c.name, pt.name as producer, vt.name as validator,
          coalesce(cr.result, 'OPEN') as result, coalesce(cr.confirmed_at is not null, false) as confirmed
        from tasks t
        join task_controls tc on tc.task_id = t.id join controls c on c.id = tc.control_id
        join teams pt on pt.id = c.producer_team_id join teams vt on vt.id = c.validator_team_id
        left join control_results cr on cr.control_id = c.id and cr.iteration_id = ${iteration.id}
        where t.step_id = ${step.dbId} and not t.archived and not c.archived order by c.key`,
  );
  const phaseControls = await loadPhaseControls(db, snapshot, iteration.id, index);
  const changedAt = toDate(row?.changed_at);
  return {
    iteration: iteration.name,
    timeZone: iteration.timeZone,
    id: step.key,
    title: step.title,
    phase: row?.phase ?? '',
    chapter: step.chapter,
    team: step.team,
    environment: row?.environment ?? '',
    durationMinutes: row?.duration ?? null,
    instructionsUrl: row?.url ?? '',
    inScope: scope.isInScope(index),
    status: statusOf(index),
    heldFrom: row?.held_from ?? null,
    ready: isStepReady(scope, index, statusOf, engine.now().getTime()),
    reason: row?.reason ?? null,
    startedAt: toDate(row?.started_at),
    startedBy: row?.started_by ?? null,
    endedAt: toDate(row?.ended_at),
    endedBy: row?.ended_by ?? null,
    lastChange:
      row?.last_action && changedAt
        ? { action: row.last_action, by: row.changed_by_name ?? '', at: changedAt }
        : null,
    predecessors: scope
      .effectivePredecessors(index)
      .map((i) => ({ id: snapshot.steps[i]!.key, status: statusOf(i) })),
    successors: scope
      .effectiveSuccessors(index)
      .map((i) => ({ id: snapshot.steps[i]!.key, status: statusOf(i) })),
    tasks,
    controls,
    phaseControls,
  };
}

export interface LateStep {
  id: string;
  title: string;
  team: string;
  startedAt: Date;
  durationMinutes: number;
  lateByMinutes: number;
}

/**
 * Steps of an iteration in progress past their indicative duration, latest first. The other late
 * things (ready steps not started, chapters forecast past their plan) are alerts (docs/time.md).
 */
export async function listLateSteps(
  engine: Engine,
  now: Date,
  iterationName: string | null = null,
): Promise<{ iteration: string; steps: LateStep[] }> {
  const db = engine.database.db;
  const iteration = await resolveIteration(db, iterationName);
  const rows = await queryRows<{
    id: string;
    title: string;
    team: string;
    started_at: Date | string;
    duration: number;
  }>(
    db,
    sql`select s.key as id, s.title, t.name as team, ss.started_at, s.duration_minutes as duration
        from step_states ss join steps s on s.id = ss.step_id join teams t on t.id = s.team_id
        where ss.iteration_id = ${iteration.id} and ss.status = 'IN_PROGRESS' and s.duration_minutes is not null
          and ss.started_at is not null and not s.archived
          and ss.started_at + make_interval(mins => s.duration_minutes) < ${now.toISOString()}::timestamptz`,
  );
  const steps = rows
    .map((row) => {
      const startedAt = toDate(row.started_at)!;
      const lateByMinutes = Math.floor((now.getTime() - startedAt.getTime()) / 60_000) - row.duration;
      return {
        id: row.id,
        title: row.title,
        team: row.team,
        startedAt,
        durationMinutes: row.duration,
        lateByMinutes,
      };
    })
    .sort((a, b) => b.lateByMinutes - a.lateByMinutes);
  return { iteration: iteration.name, steps };
}
