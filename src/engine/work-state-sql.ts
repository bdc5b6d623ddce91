/**
 * The statements a step or task command runs on the execution state of the active iteration, as
 * named prepared statements (src/db/prepared.ts): every card press runs them, so each is planned
 * once per connection and its text built once. Lists are one `int[]` parameter, so the text never
 * changes with their length.
 */
import type { SQL } from 'drizzle-orm';
import { sql } from '../db/orm.js';
import { queryRows, toDate, type Tx } from '../db/client.js';
import { PreparedStatement } from '../db/prepared.js';
import { isFinished, type WorkAction, type WorkStatus } from '../domain/statuses.js';
import type { LastChange } from './command.js';

/** What a command reads from the state row it locks: the status, and who changed it last. */
export interface LockedState {
  status: WorkStatus;
  heldFrom: WorkStatus | null;
  lastAction: string | null;
  changedAt: Date | null;
  changedBy: string | null;
  changedByName: string | null;
  version: number;
}

type LockedStateRow = Omit<LockedState, 'changedAt'> & { changedAt: Date | string | null };

const STATE_COLUMNS = sql`s.status, s.held_from as "heldFrom", s.last_action as "lastAction",
  s.changed_at as "changedAt", s.changed_by as "changedBy", s.changed_by_name as "changedByName", s.version`;

const ph = (name: string) => sql.placeholder(name);

/** Locks one step's state row in `iterationId` and reads it. */
function lockStepStateSql(iterationId: SQL, stepId: SQL): SQL {
  return sql`select ${STATE_COLUMNS} from step_states s
    where s.iteration_id = ${iterationId} and s.step_id = ${stepId} for update`;
}

/**
 * Finds a task by key, locks its state row in `iterationId` and reads it, with the task's team and
 * its step's status (not locked, as before: a task command never waits for its step).
 */
function lockTaskStateSql(iterationId: SQL, key: SQL): SQL {
  return sql`select t.id, tm.name as team, ${STATE_COLUMNS},
      (select ss.status from step_states ss where ss.iteration_id = s.iteration_id and ss.step_id = t.step_id)
        as "stepStatus"
    from tasks t
    join teams tm on tm.id = t.team_id
    join task_states s on s.iteration_id = ${iterationId} and s.task_id = t.id
    where t.key = ${key} and not t.archived for update of s`;
}

type LockedTaskRow = LockedStateRow & { id: number; team: string; stepStatus: WorkStatus | null };

const lockStepStateStatement = new PreparedStatement<{ iterationId: number; stepId: number }, LockedStateRow>(
  'engine.lock-step-state',
  () => lockStepStateSql(sql`${ph('iterationId')}::int`, sql`${ph('stepId')}::int`),
);

const lockTaskStateStatement = new PreparedStatement<{ iterationId: number; key: string }, LockedTaskRow>(
  'engine.lock-task-state',
  () => lockTaskStateSql(sql`${ph('iterationId')}::int`, sql`${ph('key')}::text`),
);

/**
 * What a command expects to lock, guessed before it reads its frame (the plan revision and its
 * iteration) so that the same statement takes the lock: one round trip fewer per press.
 */
export type LockGuess = { kind: 'step'; stepId: number } | { kind: 'task'; key: string };

/** A lock taken with the frame: the row of the guessed step or task in the frame's iteration. */
export type FrameLock =
  { kind: 'step'; stepId: number; state: LockedState } | { kind: 'task'; key: string; task: LockedTask };

/**
 * The column `locked` (json, null when the row does not exist) that locks the guessed row in the
 * iteration `iterationId` (an expression of the caller's statement), with the values of the
 * `lockStepId` or `lockKey` placeholder (`frameLockValues`).
 */
export function frameLockColumn(kind: LockGuess['kind'], iterationId: SQL): SQL {
  const lock =
    kind === 'step'
      ? lockStepStateSql(iterationId, sql`${ph('lockStepId')}::int`)
      : lockTaskStateSql(iterationId, sql`${ph('lockKey')}::text`);
  return sql`(select row_to_json(l) from (${lock}) l) as locked`;
}

export function frameLockValues(guess: LockGuess): Record<string, unknown> {
  return guess.kind === 'step' ? { lockStepId: guess.stepId } : { lockKey: guess.key };
}

/** The lock a frame statement took for `guess`, from its `locked` column. */
export function frameLockOf(guess: LockGuess, locked: unknown): FrameLock | undefined {
  if (locked === null || locked === undefined) return undefined;
  const row = (typeof locked === 'string' ? JSON.parse(locked) : locked) as LockedTaskRow;
  return guess.kind === 'step'
    ? { kind: 'step', stepId: guess.stepId, state: toLockedState(row) }
    : { kind: 'task', key: guess.key, task: toLockedTask(row) };
}

/** A task found with its state row locked (see `findTaskLockingState`). */
export interface LockedTask {
  id: number;
  team: string;
  state: LockedState;
  stepStatus: WorkStatus;
}

function toLockedTask(row: LockedTaskRow): LockedTask {
  return { id: row.id, team: row.team, state: toLockedState(row), stepStatus: row.stepStatus ?? 'OPEN' };
}

const stepStatusesStatement = new PreparedStatement<
  { iterationId: number; stepIds: string },
  { step_id: number; status: WorkStatus }
>(
  'engine.step-statuses',
  () => sql`select step_id, status from step_states
    where iteration_id = ${ph('iterationId')}::int and step_id = any(${ph('stepIds')}::int[])`,
);

const lockStepStatesStatement = new PreparedStatement<{ iterationId: number; stepIds: string }, unknown>(
  'engine.lock-step-states',
  () => sql`select 1 from step_states
    where iteration_id = ${ph('iterationId')}::int and step_id = any(${ph('stepIds')}::int[])
    order by step_id for update`,
);

// Each task's state is read through its primary key by a correlated subquery, which PostgreSQL
// always runs per task. Written as a left join, it was planned as a hash of every task state of
// the iteration whenever task_states had no statistics yet (right after activation, or with
// autovacuum off): 10 ms per step done at 44,000 task states instead of 0.1 ms.
const openTasksStatement = new PreparedStatement<{ iterationId: number; stepId: number }, { key: string }>(
  'engine.open-tasks',
  () => sql`select t.key from tasks t
    where t.step_id = ${ph('stepId')}::int and not t.archived
      and coalesce(
        (select ts.status from task_states ts where ts.iteration_id = ${ph('iterationId')}::int and ts.task_id = t.id),
        'OPEN') not in ('DONE', 'CANCELLED')
    order by t.number`,
);

/** `{1,2,3}`: an id list as one `int[]` parameter. */
function intArray(ids: readonly number[]): string {
  return `{${ids.join(',')}}`;
}

function toLockedState(row: LockedStateRow): LockedState {
  return {
    status: row.status,
    heldFrom: row.heldFrom,
    lastAction: row.lastAction,
    changedAt: toDate(row.changedAt),
    changedBy: row.changedBy,
    changedByName: row.changedByName,
    version: Number(row.version),
  };
}

/** Locks (creating it when absent) the execution state of a step in an iteration. */
export async function lockStepState(tx: Tx, iterationId: number, stepId: number): Promise<LockedState> {
  // Activation opens the state of everything in scope, so the row is nearly always there: one
  // round trip locks it, and it is created only when missing.
  let [row] = await lockStepStateStatement.rows(tx, { iterationId, stepId });
  if (!row) {
    await tx.execute(
      sql`insert into step_states (iteration_id, step_id) values (${iterationId}, ${stepId}) on conflict do nothing`,
    );
    [row] = await lockStepStateStatement.rows(tx, { iterationId, stepId });
  }
  return toLockedState(row!);
}

/**
 * Finds a task by key (with the team that carries it out) and locks its execution state in the
 * iteration, in one round trip when the state row exists, as activation opens it for everything
 * in scope; the same round trip reads its step's status (not locked, as before: a task command
 * never waits for its step). `state` is absent when the task has no state row yet (out of scope,
 * or in scope since a re-import): the caller checks the scope, then locks with `lockTaskState`.
 */
export async function findTaskLockingState(
  tx: Tx,
  iterationId: number,
  key: string,
): Promise<LockedTask | { id: number; team: string; state?: undefined; stepStatus?: undefined } | undefined> {
  const [locked] = await lockTaskStateStatement.rows(tx, { iterationId, key });
  if (locked) return toLockedTask(locked);
  const [task] = await queryRows<{ id: number; team: string }>(
    tx,
    sql`select t.id, tm.name as team from tasks t join teams tm on tm.id = t.team_id where t.key = ${key} and not t.archived`,
  );
  return task;
}

/** Locks (creating it when absent) the execution state of a task in an iteration. */
export async function lockTaskState(tx: Tx, iterationId: number, taskId: number): Promise<LockedState> {
  // Rare (see findTaskLockingState): not prepared.
  await tx.execute(
    sql`insert into task_states (iteration_id, task_id) values (${iterationId}, ${taskId}) on conflict do nothing`,
  );
  const [row] = await queryRows<LockedStateRow>(
    tx,
    sql`select ${STATE_COLUMNS} from task_states s where s.iteration_id = ${iterationId} and s.task_id = ${taskId} for update`,
  );
  return toLockedState(row!);
}

/** Statuses of the given steps in an iteration; a step without a state row is OPEN. */
export async function loadStepStatuses(
  tx: Tx,
  iterationId: number,
  stepIds: readonly number[],
): Promise<Map<number, WorkStatus>> {
  const statuses = new Map<number, WorkStatus>();
  if (stepIds.length === 0) return statuses;
  const rows = await stepStatusesStatement.rows(tx, { iterationId, stepIds: intArray(stepIds) });
  for (const row of rows) statuses.set(row.step_id, row.status);
  return statuses;
}

/**
 * Locks the execution rows of `stepIds` in one iteration, in id order (every transaction takes
 * them in the same order, and only ever downstream of the row it already holds, so two of them
 * cannot wait for each other).
 */
export async function lockStepStates(tx: Tx, iterationId: number, stepIds: readonly number[]): Promise<void> {
  if (stepIds.length === 0) return;
  await lockStepStatesStatement.rows(tx, { iterationId, stepIds: intArray(stepIds) });
}

/** The keys of a step's tasks that are neither DONE nor CANCELLED, in task order. */
export async function openTaskKeys(tx: Tx, iterationId: number, stepId: number): Promise<string[]> {
  const rows = await openTasksStatement.rows(tx, { iterationId, stepId });
  return rows.map((row) => row.key);
}

export function lastChangeOf(state: LockedState): LastChange | null {
  if (!state.lastAction || !state.changedAt) return null;
  return {
    action: state.lastAction,
    by: state.changedBy ?? '',
    byName: state.changedByName ?? '',
    at: state.changedAt,
  };
}

/** Which state table a transition writes, and the row: see `transitionUpdateSql`. */
export type WorkStateTable = 'step_states' | 'task_states';

/**
 * An accepted transition of one state row, written in the statement that appends its audit event
 * (see `CommandContext.record`). The actor, their name and the time are the event's own.
 */
export interface WorkStateChange extends Record<string, unknown> {
  table: WorkStateTable;
  iterationId: number;
  subjectId: number;
  status: WorkStatus;
  heldFrom: WorkStatus | null;
  /** A start records who started and when. */
  setStart: boolean;
  /** An end (DONE, CANCELLED) records who ended and when; a reopen or retry clears it. */
  endMode: 'set' | 'clear' | 'keep';
  reason: string | null;
  action: WorkAction;
  /** The row's version after the change. */
  version: number;
}

/** The change of `WorkStateChange` on `table`, with placeholders; `at`, `actor` and `actorName` are the audit event's. */
export function transitionUpdateSql(table: WorkStateTable): SQL {
  const idColumn = table === 'step_states' ? sql.raw('step_id') : sql.raw('task_id');
  return sql`update ${sql.raw(table)} set
      status = ${ph('status')}::text,
      held_from = ${ph('heldFrom')}::text,
      started_at = case when ${ph('setStart')}::boolean then ${ph('at')}::timestamptz else started_at end,
      started_by = case when ${ph('setStart')}::boolean then ${ph('actor')}::text else started_by end,
      ended_at = case ${ph('endMode')}::text when 'set' then ${ph('at')}::timestamptz when 'clear' then null else ended_at end,
      ended_by = case ${ph('endMode')}::text when 'set' then ${ph('actor')}::text when 'clear' then null else ended_by end,
      reason = ${ph('reason')}::text,
      last_action = ${ph('action')}::text,
      changed_at = ${ph('at')}::timestamptz,
      changed_by = ${ph('actor')}::text,
      changed_by_name = ${ph('actorName')}::text,
      version = ${ph('version')}::int
    where iteration_id = ${ph('iterationId')}::int and ${idColumn} = ${ph('subjectId')}::int`;
}

/** The change an accepted `action` to `to` makes to a row at `version`. */
export function workStateChange(input: {
  table: WorkStateTable;
  iterationId: number;
  subjectId: number;
  action: WorkAction;
  to: WorkStatus;
  heldFrom: WorkStatus | null;
  version: number;
  reason: string | null;
}): WorkStateChange {
  const { action, to } = input;
  return {
    table: input.table,
    iterationId: input.iterationId,
    subjectId: input.subjectId,
    status: to,
    heldFrom: input.heldFrom,
    setStart: action === 'start',
    endMode: isFinished(to) ? 'set' : action === 'reopen' || action === 'retry' ? 'clear' : 'keep',
    // A reason belongs to the transition that gave it: a retry or resume clears an old failure's.
    reason: input.reason,
    action,
    version: input.version + 1,
  };
}
