/** Control result commands: pass, fail, cancel, reopen of one control in the active iteration. */
import { and, eq, sql } from '../db/orm.js';
import { queryRows } from '../db/client.js';
import { controlResults } from '../db/schema.js';
import { CONTROL_ACTIONS, isControlAction, type ControlAction } from '../domain/statuses.js';
import { decideControlTransition } from '../domain/transitions.js';
import type { CommandResult, LastChange } from './command.js';
import type { CommandContext } from './engine.js';
import { commandDetails } from './engine.js';
import { pastTense } from './messages.js';
import { answerRepeatOrStale } from './repeat-or-stale.js';
import { stepCardSyncJob } from './outgoing-jobs.js';

/** Executes a control action; the cards of the steps whose tasks link the control are refreshed. */
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

  const decision = decideControlTransition({
    control: key,
    action,
    current: current.result,
    actor: roles,
    reason,
  });
  if (!decision.ok) return context.refuse(decision.code, decision.message, subject);
  await tx
    .update(controlResults)
    .set({
      result: decision.to,
      note: reason,
      lastAction: action,
      changedAt: context.now,
      changedBy: actor.email,
      changedByName: actor.name,
      version: current.version + 1,
    })
    .where(and(eq(controlResults.iterationId, iteration.id), eq(controlResults.controlId, control.id)));

  const linkedSteps = await queryRows<{ step_id: number }>(
    tx,
    sql`select distinct t.step_id from task_controls tc join tasks t on t.id = tc.task_id
        where tc.control_id = ${control.id} and not t.archived order by t.step_id`,
  );
  const scope = snapshot.scopeOf(iteration.id);
  const jobs = linkedSteps
    .filter((row) => {
      const index = snapshot.indexOfDbId(row.step_id);
      return index !== undefined && scope.isInScope(index);
    })
    .map((row) => stepCardSyncJob(iteration.id, row.step_id));
  const seq = await context.record(
    {
      type: `control.${action}`,
      subject: key,
      details: { ...commandDetails(command), from: current.result, to: decision.to },
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
    message: `${key} ${pastTense(action)} by ${actor.name}: ${current.result} → ${decision.to}.`,
    auditSeq: seq,
  };
}
