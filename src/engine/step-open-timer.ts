/**
 * The timer of fixed starts (docs/time.md, "Fixed starts"): a `step.open-at` job due at each fixed
 * start still ahead, which posts the step's card when the time comes if the step is ready then.
 */
import { sql } from '../db/orm.js';
import { appendAuditEvent } from '../audit/audit-log.js';
import { queryRows, type Tx } from '../db/client.js';
import { isStepReady } from '../domain/readiness.js';
import { enqueueJobs, type JobRequest } from '../jobs/queue.js';
import type { JobHandler } from '../jobs/worker.js';
import type { Engine } from './engine.js';
import { stepCardSyncJob } from './outgoing-jobs.js';
import type { PlanSnapshot } from './plan-snapshot.js';
import { loadStepStatuses } from './work-state-sql.js';

/** The timer job that opens a step at its fixed start: its card is posted if it is ready then. */
export const STEP_OPEN_KIND = 'step.open-at';

/** The job due at the step's fixed start; keyed by the time too, so a changed fixed start gets its own. */
export function stepOpenJob(iterationId: number, stepId: number, notBefore: number): JobRequest {
  const at = new Date(notBefore);
  return {
    kind: STEP_OPEN_KIND,
    payload: { iterationId, stepId, notBefore: at.toISOString() },
    dedupeKey: `${STEP_OPEN_KIND}:${iterationId}:${stepId}:${at.toISOString()}`,
    runAt: at,
  };
}

/**
 * Makes sure every fixed start still ahead in the iteration has its timer job (idempotent: a pending
 * job with the same key absorbs the new one). The alert scan calls it each minute, so activation
 * and imports need no hook of their own: a fixed start less than a scan interval after either is
 * the only one whose card may come up to that late (the step's own readiness is never early).
 */
export async function scheduleFixedStartJobs(
  tx: Tx,
  snapshot: PlanSnapshot,
  iterationId: number,
  now: Date,
): Promise<void> {
  const scope = snapshot.scopeOf(iterationId);
  const jobs: JobRequest[] = [];
  for (let index = 0; index < snapshot.steps.length; index++) {
    const notBefore = scope.notBeforeOf(index);
    if (notBefore !== null && notBefore > now.getTime() && scope.isInScope(index))
      jobs.push(stepOpenJob(iterationId, snapshot.steps[index]!.dbId, notBefore));
  }
  await enqueueJobs(tx, jobs, now);
}

/**
 * The handler of `step.open-at`: at the fixed start, if the step is ready (its predecessors done
 * already), audits `step.opened` and queues its card. Early (another instance's clock) it waits;
 * a fixed start changed by a re-import since, an iteration no longer active, or a step not ready
 * yet (its card comes when its predecessors finish) end the job.
 */
export function createStepOpenHandler(engine: Engine, clock: () => Date): JobHandler {
  return async (job) => {
    const { iterationId, stepId, notBefore } = job.payload as {
      iterationId: number;
      stepId: number;
      notBefore: string;
    };
    const now = clock();
    const opensAt = Date.parse(notBefore);
    if (now.getTime() < opensAt) return { status: 'retry', retryAt: new Date(opensAt), error: 'not yet' };
    await engine.database.db.transaction(async (tx) => {
      const [iteration] = await queryRows<{ name: string; status: string }>(
        tx,
        sql`select name, status from iterations where id = ${iterationId}`,
      );
      if (iteration?.status !== 'ACTIVE') return;
      const snapshot = await engine.snapshot(tx);
      const index = snapshot.indexOfDbId(stepId);
      if (index === undefined) return;
      const scope = snapshot.scopeOf(iterationId);
      if (scope.notBeforeOf(index) !== opensAt) return;
      const involved = [index, ...scope.effectivePredecessors(index)];
      const statuses = await loadStepStatuses(
        tx,
        iterationId,
        involved.map((i) => snapshot.steps[i]!.dbId),
      );
      const statusOf = (i: number) => statuses.get(snapshot.steps[i]!.dbId) ?? 'OPEN';
      if (!isStepReady(scope, index, statusOf, now.getTime())) return;
      await appendAuditEvent(tx, {
        actor: 'system',
        actorName: 'Runsheet',
        iteration: iteration.name,
        at: now,
        subject: snapshot.steps[index]!.key,
        type: 'step.opened',
        details: { notBefore, job: job.id },
      });
      await enqueueJobs(tx, [stepCardSyncJob(iterationId, stepId)], now);
    });
    return { status: 'done' };
  };
}
