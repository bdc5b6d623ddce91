/** The execution state of an iteration as a whole: opening it, and which steps are ready in it. */
import { sql } from '../db/orm.js';
import { queryRows, type Tx } from '../db/client.js';
import { readySteps } from '../domain/readiness.js';
import type { WorkStatus } from '../domain/statuses.js';
import type { PlanSnapshot } from './plan-snapshot.js';

/**
 * Opens the execution state of everything in scope of an iteration (idempotent), so every later
 * command locks an existing row. Run at activation, and after an import during an active iteration.
 */
export async function openExecutionState(tx: Tx, iterationId: number): Promise<void> {
  await tx.execute(sql`insert into step_states (iteration_id, step_id)
      select ${iterationId}, sc.step_id from step_scope sc join steps s on s.id = sc.step_id
      where sc.iteration_id = ${iterationId} and not s.archived on conflict do nothing`);
  await tx.execute(sql`insert into task_states (iteration_id, task_id)
      select ${iterationId}, t.id from tasks t join step_scope sc on sc.step_id = t.step_id and sc.iteration_id = ${iterationId}
      where not t.archived on conflict do nothing`);
  await tx.execute(sql`insert into control_results (iteration_id, control_id)
      select ${iterationId}, c.id from controls c where not c.archived on conflict do nothing`);
}

/**
 * The steps ready in an iteration at `now` (snapshot indices; fixed starts honoured), and how many
 * steps have a state row.
 */
export async function readyStepsOf(
  tx: Tx,
  snapshot: PlanSnapshot,
  iterationId: number,
  now: Date,
): Promise<{ ready: number[]; stateRows: number }> {
  const rows = await queryRows<{ step_id: number; status: WorkStatus }>(
    tx,
    sql`select step_id, status from step_states where iteration_id = ${iterationId}`,
  );
  const statusByDbId = new Map(rows.map((row) => [row.step_id, row.status]));
  const ready = readySteps(
    snapshot.scopeOf(iterationId),
    (i) => statusByDbId.get(snapshot.steps[i]!.dbId) ?? 'OPEN',
    now.getTime(),
  );
  return { ready, stateRows: rows.length };
}
