/**
 * The alert scan: compares the alert causes that hold now (`src/domain/alert-rules.ts`) with the
 * open alerts of the active iteration, raises the new ones and resolves those whose cause went away,
 * in one transaction with an audit event per alert and the card jobs enqueued in the same
 * transaction (the engine's write path pattern).
 *
 * Raised once, whatever runs: the `alerts` row is unique per (iteration, cause key), raising is an
 * `insert … on conflict` and resolving an `update … where resolved_at is null`, and only the
 * statement that changed a row enqueues its card. Scans also take a transaction-scoped advisory
 * lock, so two scans (two instances, or a scan whose job lease expired) run one after the other and
 * the second sees what the first wrote.
 */
import { sql } from '../db/orm.js';
import { appendAuditEvent } from '../audit/audit-log.js';
import { queryRows, toDate, type Queryable, type Tx } from '../db/client.js';
import { jsonbRows } from '../db/sql-helpers.js';
import {
  findAlertCauses,
  type AlertCause,
  type AlertSettings,
  type FailedDelivery,
} from '../domain/alert-rules.js';
import { enqueueJobs, type JobRequest } from '../jobs/queue.js';
import type { Engine } from './engine.js';
import { JOB_KINDS, stepCardSyncJob } from './outgoing-jobs.js';
import { findIterationByName } from './read-models.js';
import { scheduleFixedStartJobs } from './step-open-timer.js';

/** Job kinds of alerts: their card in the pilots' channel, and a reply in the team's card thread. */
export const ALERT_JOB_KINDS = {
  /** Post the alert's card to the pilots' channel(s), or update it in place (resolved). */
  alertSync: 'alert.sync',
  /** A reply in the step card's thread in the team's channel (a ready step not started). */
  alertThreadReply: 'alert.thread-reply',
} as const;

/**
 * Deliveries whose failure is an alert: cards, notices and the jobs that really send mail (the
 * activation mail, the status digest), never the alerts themselves. `mail.status-change` only
 * queues digest rows, so it is not a delivery.
 */
const DELIVERY_KINDS = [
  JOB_KINDS.stepCardSync,
  JOB_KINDS.pilotsStatusNotice,
  JOB_KINDS.activationMail,
  JOB_KINDS.statusDigestMail,
];

/** A key for `pg_advisory_xact_lock`: "alerts" in ASCII. */
const SCAN_LOCK_KEY = 0x616c657274;

export interface AlertScanResult {
  iteration: string | null;
  raised: string[];
  resolved: string[];
}

/** One alert sync job per alert: changes before it runs coalesce into one card update. */
export function alertSyncJob(alertId: number): JobRequest {
  return {
    kind: ALERT_JOB_KINDS.alertSync,
    payload: { alertId },
    dedupeKey: `${ALERT_JOB_KINDS.alertSync}:${alertId}`,
  };
}

/** Runs one scan at `now`; see the file comment. */
export async function scanAlerts(
  engine: Engine,
  settings: AlertSettings,
  now: Date,
): Promise<AlertScanResult> {
  return engine.database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SCAN_LOCK_KEY})`);
    const iteration = await findIterationByName(tx, null);
    if (!iteration) return { iteration: null, raised: [], resolved: [] };
    const snapshot = await engine.snapshot(tx);
    const live = await engine.forecasts.forecastOf(tx, snapshot, iteration, now);
    const [activation] = await queryRows<{ activated_at: Date | string | null }>(
      tx,
      sql`select activated_at from iterations where id = ${iteration.id}`,
    );
    const causes = findAlertCauses({
      forecast: live.forecast,
      keys: snapshot.graph.keys,
      chapters: live.chapters.map((c) => ({ name: c.name, plannedEnd: c.planned?.end.getTime() ?? null })),
      activatedAt: toDate(activation?.activated_at)?.getTime() ?? null,
      failedDeliveries: await failedDeliveries(tx, iteration.id, toDate(activation?.activated_at)),
      now: now.getTime(),
      settings,
    });

    // The timers of fixed starts still ahead (fixed-starts.ts) are kept here, once a scan.
    await scheduleFixedStartJobs(tx, snapshot, iteration.id, now);
    const raised = await raise(tx, iteration.id, causes, snapshot.steps, now);
    const resolved = await queryRows<{ id: number; kind: string; cause_key: string; subject: string }>(
      tx,
      sql`update alerts set resolved_at = ${now.toISOString()}::timestamptz
          where iteration_id = ${iteration.id} and resolved_at is null
            and cause_key not in (select jsonb_array_elements_text(${JSON.stringify(causes.map((c) => c.causeKey))}::jsonb))
          returning id, kind, cause_key, subject`,
    );

    const jobs: JobRequest[] = [];
    const audit = (type: string, subject: string, details: Record<string, unknown>) =>
      appendAuditEvent(tx, {
        actor: 'system',
        actorName: 'Runsheet',
        iteration: iteration.name,
        at: now,
        subject,
        type,
        details,
      });
    for (const alert of raised) {
      const { cause } = alert;
      await audit('alert.raise', cause.subject, {
        alert: alert.id,
        kind: cause.kind,
        cause: cause.causeKey,
        ...cause.details,
      });
      jobs.push(alertSyncJob(alert.id));
      if (cause.kind === 'ready-idle')
        jobs.push({ kind: ALERT_JOB_KINDS.alertThreadReply, payload: { alertId: alert.id } });
      // The step card shows "late by N min" from now on.
      if (cause.kind === 'step-overrun' && cause.stepIndex !== null)
        jobs.push(stepCardSyncJob(iteration.id, snapshot.steps[cause.stepIndex]!.dbId));
    }
    for (const alert of resolved) {
      await audit('alert.resolve', alert.subject, {
        alert: alert.id,
        kind: alert.kind,
        cause: alert.cause_key,
      });
      jobs.push(alertSyncJob(alert.id));
    }
    await enqueueJobs(tx, jobs, now);
    return {
      iteration: iteration.name,
      raised: raised.map((alert) => alert.cause.causeKey),
      resolved: resolved.map((alert) => alert.cause_key),
    };
  });
}

/**
 * Inserts the causes as alerts; a cause already open is left alone, one resolved earlier is opened
 * again. Returns only the rows this statement raised.
 */
async function raise(
  tx: Tx,
  iterationId: number,
  causes: readonly AlertCause[],
  steps: readonly { dbId: number }[],
  now: Date,
): Promise<{ id: number; cause: AlertCause }[]> {
  if (causes.length === 0) return [];
  const rows = causes.map((cause) => ({
    kind: cause.kind,
    cause_key: cause.causeKey,
    subject: cause.subject,
    step_id: cause.stepIndex === null ? null : steps[cause.stepIndex]!.dbId,
    message: describeCause(cause),
    details: cause.details,
  }));
  const inserted = await queryRows<{ id: number; cause_key: string }>(
    tx,
    sql`insert into alerts (iteration_id, kind, cause_key, subject, step_id, message, details, raised_at)
        select ${iterationId}, x.kind, x.cause_key, x.subject, x.step_id, x.message, x.details, ${now.toISOString()}::timestamptz
        from jsonb_to_recordset(${jsonbRows(rows)})
          as x(kind text, cause_key text, subject text, step_id int, message text, details jsonb)
        on conflict (iteration_id, cause_key) do update
          set resolved_at = null, raised_at = excluded.raised_at, details = excluded.details, message = excluded.message
          where alerts.resolved_at is not null
        returning id, cause_key`,
  );
  const byKey = new Map(causes.map((cause) => [cause.causeKey, cause]));
  return inserted.map((row) => ({ id: row.id, cause: byKey.get(row.cause_key)! }));
}

/** One line for an alert, as `late` lists it and its card's title says it. */
export function describeCause(cause: Pick<AlertCause, 'kind' | 'subject' | 'details'>): string {
  const d = cause.details;
  switch (cause.kind) {
    case 'step-overrun':
      return `${cause.subject} is late by ${String(d.lateByMinutes)} min (planned ${String(d.durationMinutes)} min)`;
    case 'ready-idle':
      return `${cause.subject} has been ready for ${String(d.idleMinutes)} min and is not started`;
    case 'chapter-late':
      return `Chapter ${cause.subject} is forecast to end ${String(d.lateByMinutes)} min after its planned end`;
    case 'step-failed':
      return `${cause.subject} failed`;
    case 'delivery-failed':
      return `A ${String(d.jobKind)} delivery${d.step ? ` for ${String(d.step)}` : ''} gave up: ${String(d.error)}`;
  }
}

/**
 * Delivery jobs of the iteration that failed for good since its activation, unless a later job of
 * the same kind and key (the same step's card) has since been delivered.
 */
async function failedDeliveries(
  db: Queryable,
  iterationId: number,
  since: Date | null,
): Promise<FailedDelivery[]> {
  const rows = await queryRows<{
    id: number;
    kind: string;
    step: string | null;
    error: string | null;
    finished_at: Date | string;
  }>(
    db,
    sql`select j.id::int as id, j.kind, coalesce(j.payload->>'step', s.key) as step, j.last_error as error, j.finished_at
        from jobs j left join steps s on s.id = (j.payload->>'stepId')::int
        where j.state = 'failed' and j.finished_at >= ${(since ?? new Date(0)).toISOString()}::timestamptz
          and j.kind in (${sql.join(
            DELIVERY_KINDS.map((kind) => sql`${kind}`),
            sql`, `,
          )})
          -- A digest is per recipient, not per iteration: it belongs to the active one.
          and ((j.payload->>'iterationId')::int = ${iterationId} or j.kind = ${JOB_KINDS.statusDigestMail})
          and not exists (
            select 1 from jobs later where later.kind = j.kind and later.state = 'done' and later.finished_at > j.finished_at
              and later.dedupe_key is not distinct from j.dedupe_key
              and (j.dedupe_key is not null or later.payload->>'stepId' = j.payload->>'stepId'))
        order by j.id`,
  );
  return rows.map((row) => ({
    jobId: row.id,
    kind: row.kind,
    step: row.step,
    error: row.error ?? 'no error recorded',
    failedAt: toDate(row.finished_at)!.getTime(),
  }));
}
