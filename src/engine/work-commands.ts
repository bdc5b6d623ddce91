/**
 * Step and task commands: the transition table of domain.md applied to the locked state row of
 * one step or task in the active iteration, with readiness worked out from the plan snapshot.
 */
import { and, eq, sql } from '../db/orm.js';
import { queryRows, type Tx } from '../db/client.js';
import { stepStates, taskStates, tasks, teams } from '../db/schema.js';
import { sqlList } from '../db/sql-helpers.js';
import { isStepReady, newlyReadyAfter } from '../domain/readiness.js';
import {
  isFinished,
  isWorkAction,
  WORK_ACTIONS,
  type WorkAction,
  type WorkStatus,
} from '../domain/statuses.js';
import { decideWorkTransition, type WorkTransitionInput } from '../domain/transitions.js';
import type { JobRequest } from '../jobs/queue.js';
import type { CommandResult, LastChange } from './command.js';
import type { CommandContext } from './engine.js';
import { commandDetails } from './engine.js';
import { pastTense } from './messages.js';
import { answerRepeatOrStale } from './repeat-or-stale.js';
import { statusChangeJobs, stepCardSyncJob } from './outgoing-jobs.js';
import { opensAtText } from './fixed-starts.js';

/** The execution columns steps and tasks share (see executionColumns in the schema). */
type ExecutionRow = Omit<typeof stepStates.$inferSelect, 'iterationId' | 'stepId'>;

/** Locks (creating it when absent) the execution state of a step in an iteration. */
async function lockStepState(tx: Tx, iterationId: number, stepId: number): Promise<ExecutionRow> {
  const lock = () =>
    tx
      .select()
      .from(stepStates)
      .where(and(eq(stepStates.iterationId, iterationId), eq(stepStates.stepId, stepId)))
      .for('update');
  // Activation opens the state of everything in scope, so the row is nearly always there: one
  // round trip locks it, and it is created only when missing.
  let [row] = await lock();
  if (!row) {
    await tx.insert(stepStates).values({ iterationId, stepId }).onConflictDoNothing();
    [row] = await lock();
  }
  return row!;
}

/** Locks (creating it when absent) the execution state of a task in an iteration. */
async function lockTaskState(tx: Tx, iterationId: number, taskId: number): Promise<ExecutionRow> {
  const lock = () =>
    tx
      .select()
      .from(taskStates)
      .where(and(eq(taskStates.iterationId, iterationId), eq(taskStates.taskId, taskId)))
      .for('update');
  // As for steps: lock the row activation opened, and create it only when missing.
  let [row] = await lock();
  if (!row) {
    await tx.insert(taskStates).values({ iterationId, taskId }).onConflictDoNothing();
    [row] = await lock();
  }
  return row!;
}

/**
 * Finds a task by key (with the team that carries it out) and locks its execution state in the
 * iteration, in one round trip when the state row exists, as activation opens it for everything
 * in scope. `state` is absent when the task has no state row yet (out of scope, or in scope since
 * a re-import): the caller checks the scope, then locks with `lockTaskState`.
 */
async function findTaskLockingState(
  tx: Tx,
  iterationId: number,
  key: string,
): Promise<{ id: number; team: string; state?: ExecutionRow } | undefined> {
  const [locked] = await tx
    .select({ id: tasks.id, team: teams.name, state: taskStates })
    .from(tasks)
    .innerJoin(teams, eq(teams.id, tasks.teamId))
    .innerJoin(taskStates, and(eq(taskStates.iterationId, iterationId), eq(taskStates.taskId, tasks.id)))
    .where(and(eq(tasks.key, key), eq(tasks.archived, false)))
    .for('update', { of: taskStates });
  if (locked) return locked;
  const [task] = await queryRows<{ id: number; team: string }>(
    tx,
    sql`select t.id, tm.name as team from tasks t join teams tm on tm.id = t.team_id where t.key = ${key} and not t.archived`,
  );
  return task;
}

/** Statuses of the given steps in an iteration; a step without a state row is OPEN. */
/**
 * Locks the execution rows of `stepIds` in one iteration, in id order (every transaction takes
 * them in the same order, and only ever downstream of the row it already holds, so two of them
 * cannot wait for each other).
 */
async function lockStepStates(tx: Tx, iterationId: number, stepIds: readonly number[]): Promise<void> {
  if (stepIds.length === 0) return;
  await tx.execute(
    sql`select 1 from step_states where iteration_id = ${iterationId} and step_id in ${sqlList(stepIds)}
        order by step_id for update`,
  );
}

export async function loadStepStatuses(
  tx: Tx,
  iterationId: number,
  stepIds: readonly number[],
): Promise<Map<number, WorkStatus>> {
  const statuses = new Map<number, WorkStatus>();
  if (stepIds.length === 0) return statuses;
  const rows = await queryRows<{ step_id: number; status: WorkStatus }>(
    tx,
    sql`select step_id, status from step_states where iteration_id = ${iterationId} and step_id in ${sqlList(stepIds)}`,
  );
  for (const row of rows) statuses.set(row.step_id, row.status);
  return statuses;
}

function lastChangeOf(row: ExecutionRow): LastChange | null {
  if (!row.lastAction || !row.changedAt) return null;
  return {
    action: row.lastAction,
    by: row.changedBy ?? '',
    byName: row.changedByName ?? '',
    at: row.changedAt,
  };
}

/**
 * The checks every work command makes before its rules: a known action, a role that may take it
 * at all, then whether it repeats the last accepted command or acts on a status that no longer
 * holds. Returns a result to answer with, or null to go on.
 */
async function screenWorkCommand(
  context: CommandContext,
  subject: { kind: 'step' | 'task'; id: string },
  state: ExecutionRow,
  isOwnTeam: boolean,
): Promise<CommandResult | null> {
  const { command, actor } = context;
  if (!isWorkAction(command.action)) {
    return context.refuse(
      'UNKNOWN_ACTION',
      `"${command.action}" is not an action on a ${subject.kind}; use one of ${WORK_ACTIONS.join(', ')}.`,
      subject,
    );
  }
  const probe = decideWorkTransition({
    subject,
    action: command.action,
    current: { status: state.status, heldFrom: state.heldFrom },
    actor: { isPilot: actor.isPilot, isOwnTeam },
    force: false,
    reason: 'probe',
    ready: true,
    openTasks: [],
    startedSuccessors: [],
    stepStatus: 'IN_PROGRESS',
  });
  if (!probe.ok && probe.code === 'ROLE') return context.refuse('ROLE', probe.message, subject);

  return answerRepeatOrStale(context, subject, state.status, lastChangeOf(state));
}

/** Applies an accepted transition to a state row. */
function transitionValues(
  context: CommandContext,
  action: WorkAction,
  to: WorkStatus,
  heldFrom: WorkStatus | null,
  version: number,
) {
  const { actor, now, command } = context;
  const ended = isFinished(to);
  return {
    status: to,
    heldFrom,
    ...(action === 'start' ? { startedAt: now, startedBy: actor.email } : {}),
    ...(ended ? { endedAt: now, endedBy: actor.email } : {}),
    ...(action === 'reopen' || action === 'retry' ? { endedAt: null, endedBy: null } : {}),
    // A reason belongs to the transition that gave it: a retry or resume clears an old failure's.
    reason: command.reason?.trim() || null,
    lastAction: action,
    changedAt: now,
    changedBy: actor.email,
    changedByName: actor.name,
    version: version + 1,
  };
}

/** Executes a work action on a step. */
export async function executeStepCommand(context: CommandContext, key: string): Promise<CommandResult> {
  const { tx, snapshot, iteration, command, actor } = context;
  const index = snapshot.indexOfKey(key);
  const subject = { kind: 'step' as const, id: key };
  if (index === undefined)
    return context.refuse('UNKNOWN_SUBJECT', `There is no step ${key} in the plan.`, subject);
  const step = snapshot.steps[index]!;
  const scope = snapshot.scopeOf(iteration.id);
  if (!scope.isInScope(index)) {
    return context.refuse('NOT_IN_SCOPE', `${key} is not in scope of ${iteration.name}.`, subject);
  }

  const state = await lockStepState(tx, iteration.id, step.dbId);
  const isOwnTeam = actor.teams.includes(step.team);
  const screened = await screenWorkCommand(context, subject, state, isOwnTeam);
  if (screened) return screened;
  const action = command.action as WorkAction;

  const dbIdOf = (i: number) => snapshot.steps[i]!.dbId;
  const facts: Partial<WorkTransitionInput> = {};
  if (action === 'start') {
    const predecessors = scope.effectivePredecessors(index);
    const statuses = await loadStepStatuses(tx, iteration.id, predecessors.map(dbIdOf));
    const statusOf = (i: number) => (i === index ? state.status : (statuses.get(dbIdOf(i)) ?? 'OPEN'));
    facts.ready = isStepReady(scope, index, statusOf, context.now.getTime());
    // Said only when the fixed start is what keeps a step with finished predecessors waiting.
    if (predecessors.every((i) => isFinished(statusOf(i))))
      facts.opensAt = opensAtText(scope, index, context);
  } else if (action === 'done') {
    // Each task's state is read through its primary key by a correlated subquery, which PostgreSQL
    // always runs per task. Written as a left join, it was planned as a hash of every task state of
    // the iteration whenever task_states had no statistics yet (right after activation, or with
    // autovacuum off): 10 ms per step done at 44,000 task states instead of 0.1 ms.
    const open = await queryRows<{ key: string }>(
      tx,
      sql`select t.key from tasks t
          where t.step_id = ${step.dbId} and not t.archived
            and coalesce(
              (select ts.status from task_states ts where ts.iteration_id = ${iteration.id} and ts.task_id = t.id),
              'OPEN') not in ('DONE', 'CANCELLED')
          order by t.number`,
    );
    facts.openTasks = open.map((row) => row.key);
  } else if (action === 'reopen') {
    const successors = scope.effectiveSuccessors(index);
    const statuses = await loadStepStatuses(tx, iteration.id, successors.map(dbIdOf));
    facts.startedSuccessors = successors
      .filter((i) => (statuses.get(dbIdOf(i)) ?? 'OPEN') !== 'OPEN')
      .map((i) => snapshot.steps[i]!.key);
  }

  const decision = decideWorkTransition({
    subject,
    action,
    current: { status: state.status, heldFrom: state.heldFrom },
    actor: { isPilot: actor.isPilot, isOwnTeam },
    force: command.force ?? false,
    reason: command.reason?.trim() || null,
    ...facts,
  });
  if (!decision.ok) return context.refuse(decision.code, decision.message, subject);

  // Written with the audit event, in its statement (see CommandContext.record); the readiness
  // below takes this step's new status from the decision, not from its row.
  const change = tx
    .update(stepStates)
    .set(transitionValues(context, action, decision.to, decision.heldFrom, state.version))
    .where(and(eq(stepStates.iterationId, iteration.id), eq(stepStates.stepId, step.dbId)))
    .getSQL();

  // Readiness can only have changed for this step and its effective successors.
  let becameReady: number[] = [];
  if (decision.to === 'OPEN' || isFinished(decision.to)) {
    const successors = scope.effectiveSuccessors(index);
    // Two predecessors of one step finishing at the same moment would each read the other as not
    // done, and nobody would announce the step. Locking the successors' rows first serialises them:
    // the second waits here for the first to commit, then reads its status.
    await lockStepStates(tx, iteration.id, successors.map(dbIdOf));
    const candidates = [index, ...successors];
    const involved = new Set(candidates.flatMap((i) => [i, ...scope.effectivePredecessors(i)]));
    const statuses = await loadStepStatuses(tx, iteration.id, [...involved].map(dbIdOf));
    statuses.set(step.dbId, decision.to);
    becameReady = newlyReadyAfter(
      scope,
      index,
      (i) => statuses.get(dbIdOf(i)) ?? 'OPEN',
      context.now.getTime(),
    );
  }

  const jobs: JobRequest[] = [stepCardSyncJob(iteration.id, step.dbId)];
  for (const i of becameReady) if (i !== index) jobs.push(stepCardSyncJob(iteration.id, dbIdOf(i)));
  // A reopened step takes readiness back from its successors: their cards must say so.
  if (action === 'reopen')
    for (const i of scope.effectiveSuccessors(index)) jobs.push(stepCardSyncJob(iteration.id, dbIdOf(i)));

  const becameReadyKeys = becameReady.map((i) => snapshot.steps[i]!.key);
  const details = {
    ...commandDetails(command),
    from: state.status,
    to: decision.to,
    forced: decision.forced,
    becameReady: becameReadyKeys,
    ...(facts.opensAt ? { notBefore: facts.opensAt } : {}),
  };
  const seq = await context.record(
    { type: `step.${action}`, subject: key, details },
    [
      ...jobs,
      ...statusChangeJobs({
        iterationId: iteration.id,
        stepId: step.dbId,
        step: key,
        from: state.status,
        to: decision.to,
        actorName: actor.name,
        at: context.now.toISOString(),
        reason: command.reason?.trim() || null,
      }),
    ],
    change,
  );
  const readyNote = becameReadyKeys.length > 0 ? ` Now ready: ${becameReadyKeys.join(', ')}.` : '';
  return {
    outcome: 'applied',
    kind: 'step',
    subject: key,
    iteration: iteration.name,
    from: state.status,
    to: decision.to,
    forced: decision.forced,
    becameReady: becameReadyKeys,
    message: `${key} ${pastTense(action)} by ${actor.name}${decision.forced ? ' (forced)' : ''}: ${state.status} → ${decision.to}.${readyNote}`,
    auditSeq: seq,
  };
}

/** Executes a work action on a task (only while its step is IN_PROGRESS, unless a pilot forces). */
export async function executeTaskCommand(
  context: CommandContext,
  key: string,
  stepKey: string,
): Promise<CommandResult> {
  const { tx, snapshot, iteration, command, actor } = context;
  const subject = { kind: 'task' as const, id: key };
  const index = snapshot.indexOfKey(stepKey);
  const task = index === undefined ? undefined : await findTaskLockingState(tx, iteration.id, key);
  if (!task || index === undefined)
    return context.refuse('UNKNOWN_SUBJECT', `There is no task ${key} in the plan.`, subject);
  const step = snapshot.steps[index]!;
  if (!snapshot.scopeOf(iteration.id).isInScope(index)) {
    return context.refuse(
      'NOT_IN_SCOPE',
      `${key} belongs to ${stepKey}, which is not in scope of ${iteration.name}.`,
      subject,
    );
  }

  const state = task.state ?? (await lockTaskState(tx, iteration.id, task.id));
  const isOwnTeam = actor.teams.includes(task.team);
  const screened = await screenWorkCommand(context, subject, state, isOwnTeam);
  if (screened) return screened;
  const action = command.action as WorkAction;

  const stepStatus = (await loadStepStatuses(tx, iteration.id, [step.dbId])).get(step.dbId) ?? 'OPEN';
  const decision = decideWorkTransition({
    subject,
    action,
    current: { status: state.status, heldFrom: state.heldFrom },
    actor: { isPilot: actor.isPilot, isOwnTeam },
    force: command.force ?? false,
    reason: command.reason?.trim() || null,
    stepStatus,
  });
  if (!decision.ok) return context.refuse(decision.code, decision.message, subject);

  const change = tx
    .update(taskStates)
    .set(transitionValues(context, action, decision.to, decision.heldFrom, state.version))
    .where(and(eq(taskStates.iterationId, iteration.id), eq(taskStates.taskId, task.id)))
    .getSQL();
  const details = {
    ...commandDetails(command),
    step: stepKey,
    from: state.status,
    to: decision.to,
    forced: decision.forced,
  };
  const seq = await context.record(
    { type: `task.${action}`, subject: key, details },
    [stepCardSyncJob(iteration.id, step.dbId)],
    change,
  );
  return {
    outcome: 'applied',
    kind: 'task',
    subject: key,
    iteration: iteration.name,
    from: state.status,
    to: decision.to,
    forced: decision.forced,
    becameReady: [],
    message: `${key} ${pastTense(action)} by ${actor.name}${decision.forced ? ' (forced)' : ''}: ${state.status} → ${decision.to}.`,
    auditSeq: seq,
  };
}
