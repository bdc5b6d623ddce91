/**
 * The alert timer: one `alerts.scan` job that runs `scanAlerts` and enqueues its own next run.
 *
 * Why one periodic job rather than a job per deadline: the causes depend on each other and on the
 * forecast (a chapter's lateness moves with every step), and deadlines move with every change
 * (a restart, a hold, a re-import); one scan a minute over the in-memory forecast costs a few
 * milliseconds, while keeping per-deadline jobs right would need a reschedule at every change.
 *
 * Surviving restarts and several instances:
 * - the next run is stored in the job table, with the dedupe key `alerts.scan`: while one is
 *   pending, enqueueing another does nothing, so every instance may call `scheduleAlertScan` at
 *   start and at most one run is pending;
 * - a run enqueues its successor first, before scanning, so a scan that throws or a worker that
 *   dies mid-scan does not end the chain (a dead worker's job is also claimed again when its lease
 *   expires); two chains that ever exist merge at the next enqueue;
 * - claiming is `FOR UPDATE SKIP LOCKED` and the scan takes an advisory lock, so a run happens on
 *   one instance at a time, and raising is idempotent anyway (see alert-scan.ts).
 */
import type { AlertSettings } from '../domain/alert-rules.js';
import { enqueueJobs, type JobRequest } from '../jobs/queue.js';
import type { JobHandler } from '../jobs/worker.js';
import type { Logger } from '../logger.js';
import type { Database } from '../db/client.js';
import { scanAlerts } from './alert-scan.js';
import type { Engine } from './engine.js';

export const ALERT_SCAN_KIND = 'alerts.scan';

/** The scan job due at `runAt`; its dedupe key keeps one pending at most. */
export function alertScanJob(runAt: Date): JobRequest {
  return { kind: ALERT_SCAN_KIND, payload: {}, dedupeKey: ALERT_SCAN_KIND, runAt, maxAttempts: 3 };
}

/** Makes sure a scan is pending (a service calls it at start). Idempotent. */
export async function scheduleAlertScan(database: Database, now: Date): Promise<void> {
  await enqueueJobs(database.db, [alertScanJob(now)]);
}

export interface AlertScanDeps {
  engine: Engine;
  settings: AlertSettings;
  /** Seconds between scans. */
  intervalSeconds: number;
  clock: () => Date;
  logger?: Logger;
}

/** The handler of `alerts.scan`; see the file comment. */
export function createAlertScanHandler(deps: AlertScanDeps): JobHandler {
  return async () => {
    const now = deps.clock();
    await enqueueJobs(deps.engine.database.db, [
      alertScanJob(new Date(now.getTime() + deps.intervalSeconds * 1000)),
    ]);
    try {
      const result = await scanAlerts(deps.engine, deps.settings, now);
      if (result.raised.length > 0 || result.resolved.length > 0)
        deps.logger?.info(result, 'alerts raised or resolved');
      return { status: 'done' };
    } catch (error) {
      // Not retried: the next scan is already scheduled and will look again.
      deps.logger?.error({ err: error }, 'alert scan failed');
      return { status: 'failed', error: error instanceof Error ? error.message : String(error) };
    }
  };
}
