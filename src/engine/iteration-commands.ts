/**
 * Iteration lifecycle: a pilot activates a planned iteration (one active at a time), which opens
 * its execution state and posts the cards of its initially ready steps; closing it freezes it.
 * A pilot also sets which durations the iteration's forecast uses (`set-duration-basis`:
 * indicative or learned, docs/time.md), on a planned or active iteration.
 */
import { sql } from '../db/orm.js';
import { appendAuditEvent } from '../audit/audit-log.js';
import { queryRows, type Tx } from '../db/client.js';
import { enqueueJobs } from '../jobs/queue.js';
import type { Actor } from './actor.js';
import { describeDurationBasis, isDurationBasis } from '../domain/duration-basis.js';
import type { Command, CommandResult, EngineRefusalCode } from './command.js';
import { commandDetails, findIteration } from './engine.js';
import type { PlanSnapshot } from './plan-snapshot.js';
import { openExecutionState, readyStepsOf } from './iteration-state.js';
import { stepCardSyncJob } from './outgoing-jobs.js';

interface IterationCommandContext {
  tx: Tx;
  command: Command;
  actor: Actor;
  now: Date;
  snapshot: PlanSnapshot;
}

/** Activates or closes the iteration named by `command.subject`, or sets its duration basis. Pilots only. */
export async function executeIterationCommand(context: IterationCommandContext): Promise<CommandResult> {
  const { tx, command, actor, now } = context;
  const audit = (type: string, iteration: string | null, details: Record<string, unknown>) =>
    appendAuditEvent(tx, {
      actor: actor.email,
      actorName: actor.name,
      iteration,
      subject: iteration ?? command.subject,
      type,
      at: now,
      details: { ...commandDetails(command), ...details },
    });
  const refuse = async (
    code: EngineRefusalCode,
    message: string,
    iteration: string | null = null,
  ): Promise<CommandResult> => {
    const event = await audit('iteration.refused', iteration, { code, message });
    return {
      outcome: 'refused',
      code,
      message,
      kind: 'iteration',
      subject: iteration ?? undefined,
      iteration: iteration ?? undefined,
      auditSeq: event.seq,
    };
  };

  const found = await findIteration(tx, command.subject);
  if (!found.ok) return refuse(found.code, found.message);
  const iteration = found.row;
  if (!actor.isPilot) {
    const what =
      command.action === 'set-duration-basis'
        ? "choose an iteration's forecast durations"
        : `${command.action} an iteration`;
    return refuse('ROLE', `Only a pilot can ${what}; ${actor.name} is not a pilot.`, iteration.name);
  }

  if (command.action === 'set-duration-basis') {
    const basis = command.durationBasis;
    if (!isDurationBasis(basis)) {
      return refuse(
        'UNKNOWN_ACTION',
        `The forecast durations are indicative or learned, not "${String(basis ?? '')}".`,
        iteration.name,
      );
    }
    if (iteration.status === 'CLOSED') {
      return refuse(
        'STATUS',
        `${iteration.name} is closed: its forecast durations can no longer change.`,
        iteration.name,
      );
    }
    const [before] = await queryRows<{ basis: string }>(
      tx,
      sql`select duration_basis as basis from iterations where id = ${iteration.id} for update`,
    );
    const from = before?.basis ?? 'indicative';
    if (from !== basis) {
      await tx.execute(sql`update iterations set duration_basis = ${basis} where id = ${iteration.id}`);
    }
    const event = await audit('iteration.set-duration-basis', iteration.name, { from, to: basis });
    const said =
      basis === 'learned'
        ? 'learned durations (the median of earlier actuals)'
        : describeDurationBasis(basis, []);
    return {
      outcome: 'applied',
      kind: 'iteration',
      subject: iteration.name,
      iteration: iteration.name,
      from,
      to: basis,
      forced: false,
      becameReady: [],
      message:
        from === basis
          ? `${iteration.name}'s forecast already uses ${said}.`
          : `${iteration.name}'s forecast now uses ${said}, set by ${actor.name}.`,
      auditSeq: event.seq,
    };
  }

  if (command.action === 'close') {
    if (iteration.status !== 'ACTIVE') {
      return refuse(
        'STATUS',
        `${iteration.name} is ${iteration.status}; only the active iteration can be closed.`,
        iteration.name,
      );
    }
    await tx.execute(
      sql`update iterations set status = 'CLOSED', closed_at = ${now.toISOString()}::timestamptz, closed_by = ${actor.email} where id = ${iteration.id}`,
    );
    const event = await audit('iteration.close', iteration.name, { from: 'ACTIVE', to: 'CLOSED' });
    return {
      outcome: 'applied',
      kind: 'iteration',
      subject: iteration.name,
      iteration: iteration.name,
      from: 'ACTIVE',
      to: 'CLOSED',
      forced: false,
      becameReady: [],
      message: `${iteration.name} closed by ${actor.name}; its state is frozen.`,
      auditSeq: event.seq,
    };
  }

  if (iteration.status !== 'PLANNED') {
    const why =
      iteration.status === 'ACTIVE' ? 'is active already' : 'is closed; a closed iteration stays frozen';
    return refuse('STATUS', `${iteration.name} ${why}.`, iteration.name);
  }
  const [active] = await queryRows<{ name: string }>(
    tx,
    sql`select name from iterations where status = 'ACTIVE'`,
  );
  if (active) {
    return refuse(
      'ANOTHER_ITERATION_ACTIVE',
      `${active.name} is active; close it before activating ${iteration.name}.`,
      iteration.name,
    );
  }

  await tx.execute(
    sql`update iterations set status = 'ACTIVE', activated_at = ${now.toISOString()}::timestamptz, activated_by = ${actor.email} where id = ${iteration.id}`,
  );
  await openExecutionState(tx, iteration.id);
  const { snapshot } = context;
  const { ready, stateRows } = await readyStepsOf(tx, snapshot, iteration.id, context.now);
  const readyKeys = ready.map((i) => snapshot.steps[i]!.key);

  const event = await audit('iteration.activate', iteration.name, {
    from: 'PLANNED',
    to: 'ACTIVE',
    inScope: stateRows,
    ready: readyKeys,
  });
  await enqueueJobs(
    tx,
    ready.map((i) => {
      const job = stepCardSyncJob(iteration.id, snapshot.steps[i]!.dbId);
      return { ...job, payload: { ...job.payload, auditSeq: event.seq } };
    }),
    now,
  );
  return {
    outcome: 'applied',
    kind: 'iteration',
    subject: iteration.name,
    iteration: iteration.name,
    from: 'PLANNED',
    to: 'ACTIVE',
    forced: false,
    becameReady: readyKeys,
    message: `${iteration.name} activated by ${actor.name}: ${stateRows} steps in scope, ${readyKeys.length} ready.`,
    auditSeq: event.seq,
  };
}
