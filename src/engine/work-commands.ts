/**
 * Step and task commands: the transition table of domain.md applied to the locked state row of
 * one step or task in the active iteration, with readiness worked out from the plan snapshot.
 */
import { isStepReady, newlyReadyAfter } from '../domain/readiness.js';
import { isFinished, isWorkAction, WORK_ACTIONS, type WorkAction } from '../domain/statuses.js';
import { decideWorkTransition, type WorkTransitionInput } from '../domain/transitions.js';
import type { JobRequest } from '../jobs/queue.js';
import type { CommandResult } from './command.js';
import type { CommandContext } from './engine.js';
import { commandDetails } from './engine.js';
import { pastTense } from './messages.js';
import { answerRepeatOrStale } from './repeat-or-stale.js';
import { statusChangeJobs, stepCardSyncJob } from './outgoing-jobs.js';
import { opensAtText } from './fixed-starts.js';
import {
  findTaskLockingState,
  lastChangeOf,
  loadStepStatuses,
  lockStepState,
  lockStepStates,
  lockTaskState,
  openTaskKeys,
  workStateChange,
  type LockedState,
} from './work-state-sql.js';
import { loadPhaseControls } from './phase-controls.js';

/**
 * The checks every work command makes before its rules: a known action, a role that may take it
 * at all, then whether it repeats the last accepted command or acts on a status that no longer
 * holds. Returns a result to answer with, or null to go on.
 */
async function screenWorkCommand(
  context: CommandContext,
  subject: { kind: 'step' | 'task'; id: string },
  state: LockedState,
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

  const locked = context.frameLock;
  const state =
    locked?.kind === 'step' && locked.stepId === step.dbId
      ? locked.state
      : await lockStepState(tx, iteration.id, step.dbId);
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
    facts.openTasks = await openTaskKeys(tx, iteration.id, step.dbId);
    // A go/no-go step checks the controls of its phase (src/domain/go-no-go.ts).
    const phaseControls = await loadPhaseControls(tx, snapshot, iteration.id, index);
    if (phaseControls) {
      facts.phaseControls = phaseControls;
      facts.acknowledgeControls = command.acknowledgeControls === true;
    }
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
  const change = workStateChange({
    table: 'step_states',
    iterationId: iteration.id,
    subjectId: step.dbId,
    action,
    to: decision.to,
    heldFrom: decision.heldFrom,
    version: state.version,
    reason: command.reason?.trim() || null,
  });

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
    // The controls of the phase that were open or failed when a pilot marked the step done anyway.
    ...(decision.acknowledgedControls ? { openControls: decision.acknowledgedControls } : {}),
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
    message: `${key} ${pastTense(action)} by ${actor.name}${decision.forced ? ' (forced)' : ''}: ${state.status} → ${decision.to}.${acknowledgedNote(decision.acknowledgedControls)}${readyNote}`,
    auditSeq: seq,
  };
}

function acknowledgedNote(controls: readonly { id: string; result: string }[] | undefined): string {
  if (!controls) return '';
  return ` Done with ${controls.length} ${controls.length === 1 ? 'control' : 'controls'} not passed, acknowledged: ${controls
    .slice(0, 8)
    .map((c) => `${c.id} ${c.result}`)
    .join(', ')}${controls.length > 8 ? ` and ${controls.length - 8} more` : ''}.`;
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
  const locked = context.frameLock;
  const task =
    index === undefined
      ? undefined
      : locked?.kind === 'task' && locked.key === key
        ? locked.task
        : await findTaskLockingState(tx, iteration.id, key);
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

  const stepStatus =
    task.stepStatus ?? (await loadStepStatuses(tx, iteration.id, [step.dbId])).get(step.dbId) ?? 'OPEN';
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

  const change = workStateChange({
    table: 'task_states',
    iterationId: iteration.id,
    subjectId: task.id,
    action,
    to: decision.to,
    heldFrom: decision.heldFrom,
    version: state.version,
    reason: command.reason?.trim() || null,
  });
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
