/**
 * Control result commands: pass, fail, confirm, cancel, reopen of one control in the active
 * iteration. `confirm` keeps the result and records the validator's confirmation; every change of
 * the result drops it (domain.md, "Controls across rehearsals" in docs/time.md).
 */
import { and, eq, sql } from '../db/orm.js';
import { queryRows } from '../db/client.js';
import { controlResults } from '../db/schema.js';
import { CONTROL_ACTIONS, isControlAction, type ControlAction } from '../domain/statuses.js';
import { decideControlTransition } from '../domain/transitions.js';
import type { CommandResult, LastChange } from './command.js';
import type { CommandContext } from './engine.js';
import { commandDetails } from './engine.js';
import { describeLastChange, pastTense } from './messages.js';
import { answerRepeatOrStale } from './repeat-or-stale.js';
import { stepCardSyncJob } from './outgoing-jobs.js';
import { goNoGoStepsShowing } from './phase-controls.js';

/**
 * Executes a control action. The cards that show the control are refreshed: those of the steps
 * whose tasks link it, and those of the go/no-go steps of their phases.
 */
export async function executeControlCommand(context: CommandContext, key: string): Promise<CommandResult> {
  const { tx, snapshot, iteration, command, actor } = context;
  const subject = { kind: 'control' as const, id: key };
  const [control] = await queryRows<{ id: number; producer: string; validator: string }>(
    tx,
    sql`select c.id, p.name as producer, v.name as validator from controls c
        join teams p on p.id = c.producer_team_id join teams v on v.id = c.validator_team_id
        where c.key = ${key} and not c.archived`,
  );
  if (!control) return context.refuse('UNKNOWN_SUBJECT', `There is no control ${key} in the plan.`, subject);
  if (!isControlAction(command.action)) {
    return context.refuse(
      'UNKNOWN_ACTION',
      `"${command.action}" is not an action on a control; use one of ${CONTROL_ACTIONS.join(', ')}.`,
      subject,
    );
  }
  const action: ControlAction = command.action;

  await tx
    .insert(controlResults)
    .values({ iterationId: iteration.id, controlId: control.id })
    .onConflictDoNothing();
  const [state] = await tx
    .select()
    .from(controlResults)
    .where(and(eq(controlResults.iterationId, iteration.id), eq(controlResults.controlId, control.id)))
    .for('update');
  const current = state!;
  const roles = {
    isPilot: actor.isPilot,
    isProducer: actor.teams.includes(control.producer),
    isValidator: actor.teams.includes(control.validator),
  };
  const reason = command.reason?.trim() || null;

  const confirmation: LastChange | null =
    current.confirmedAt && current.confirmedBy
      ? {
          action: 'confirm',
          by: current.confirmedBy,
          byName: current.confirmedByName ?? '',
          at: current.confirmedAt,
        }
      : null;
  const probe = decideControlTransition({
    control: key,
    action,
    current: current.result,
    actor: roles,
    reason: 'probe',
  });
  if (!probe.ok && probe.code === 'ROLE') return context.refuse('ROLE', probe.message, subject);
  const last: LastChange | null =
    current.lastAction && current.changedAt
      ? {
          action: current.lastAction,
          by: current.changedBy ?? '',
          byName: current.changedByName ?? '',
          at: current.changedAt,
        }
      : null;
  const unchanged = await answerRepeatOrStale(context, subject, current.result, last);
  if (unchanged) return unchanged;
  // A confirmation of a result already confirmed (two validators, a double click): its effect is in
  // place. The result it confirms is the one the actor saw (a changed result was answered as stale).
  if (action === 'confirm' && confirmation) {
    const auditSeq = await context.record({
      type: 'control.duplicate',
      subject: key,
      details: { ...commandDetails(command), current: current.result },
    });
    return {
      outcome: 'duplicate',
      kind: 'control',
      subject: key,
      iteration: iteration.name,
      current: current.result,
      last: confirmation,
      auditSeq,
      message: `${key} is ${current.result} and confirmed already: ${describeLastChange(confirmation, iteration.timeZone)}. Nothing changed.`,
    };
  }

  const decision = decideControlTransition({
    control: key,
    action,
    current: current.result,
    actor: roles,
    reason,
    setByActor: current.changedBy === actor.email,
    sameTeam: control.producer === control.validator,
  });
  if (!decision.ok) return context.refuse(decision.code, decision.message, subject);
  const values =
    action === 'confirm'
      ? {
          confirmedAt: context.now,
          confirmedBy: actor.email,
          confirmedByName: actor.name,
          confirmNote: reason,
        }
      : {
          result: decision.to,
          note: reason,
          lastAction: action,
          changedAt: context.now,
          changedBy: actor.email,
          changedByName: actor.name,
          // A confirmation belongs to the result it confirmed.
          confirmedAt: null,
          confirmedBy: null,
          confirmedByName: null,
          confirmNote: null,
        };
  await tx
    .update(controlResults)
    .set({ ...values, version: current.version + 1 })
    .where(and(eq(controlResults.iterationId, iteration.id), eq(controlResults.controlId, control.id)));

  const linkedSteps = await queryRows<{ step_id: number }>(
    tx,
    sql`select distinct t.step_id from task_controls tc join tasks t on t.id = tc.task_id
        where tc.control_id = ${control.id} and not t.archived order by t.step_id`,
  );
  const scope = snapshot.scopeOf(iteration.id);
  const linkedIds = linkedSteps.map((row) => row.step_id);
  const shownOn = new Set([
    ...linkedIds.filter((id) => {
      const index = snapshot.indexOfDbId(id);
      return index !== undefined && scope.isInScope(index);
    }),
    ...goNoGoStepsShowing(snapshot, iteration.id, linkedIds),
  ]);
  const jobs = [...shownOn].map((stepId) => stepCardSyncJob(iteration.id, stepId));
  const reset = action !== 'confirm' && confirmation !== null;
  const seq = await context.record(
    {
      type: `control.${action}`,
      subject: key,
      details: {
        ...commandDetails(command),
        from: current.result,
        to: decision.to,
        // The confirmation this change dropped: who had confirmed which result.
        ...(reset ? { confirmationDropped: { by: confirmation.by, at: confirmation.at.toISOString() } } : {}),
      },
    },
    jobs,
  );
  return {
    outcome: 'applied',
    kind: 'control',
    subject: key,
    iteration: iteration.name,
    from: current.result,
    to: decision.to,
    forced: false,
    becameReady: [],
    message:
      action === 'confirm'
        ? `${key} ${current.result} confirmed by ${actor.name}.`
        : `${key} ${pastTense(action)} by ${actor.name}: ${current.result} → ${decision.to}.${reset ? ' Its confirmation was dropped.' : ''}`,
    auditSeq: seq,
  };
}
