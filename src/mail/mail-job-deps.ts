/** What the mail job handlers need, and the audit record every sent or failed mail leaves. */
import { sql } from '../db/orm.js';
import { recordAuditEvent } from '../audit/audit-log.js';
import { sha256Hex } from '../audit/sha256.js';
import { queryRows } from '../db/client.js';
import type { Engine } from '../engine/engine.js';
import { backoffDelayMs, type ClaimedJob } from '../jobs/queue.js';
import type { JobOutcome } from '../jobs/worker.js';
import type { Logger } from '../logger.js';
import type { MailTransport, OutgoingMail, SentMail } from './mail-transport.js';

export interface MailJobDeps {
  engine: Engine;
  transport: MailTransport;
  logger: Logger;
  clock: () => Date;
  /** The mailbox mails are sent from. */
  from: string;
  /** The actionable-message provider id for the cards' `originator`. */
  actionableOriginator: string | undefined;
  /** Status changes to one recipient within this window go out as one mail. */
  batchSeconds: number;
}

/** Whether this job already sent its mail (a run whose outcome was lost): at least once, not twice. */
export async function alreadySent(deps: MailJobDeps, subject: string, jobId: number): Promise<boolean> {
  const rows = await queryRows<{ one: number }>(
    deps.engine.database.db,
    sql`select 1 as one from audit_events where subject = ${subject} and type = 'mail.sent'
          and details->>'job' = ${String(jobId)} limit 1`,
  );
  return rows.length > 0;
}

/**
 * Sends through the transport and audits the outcome as `mail.sent` (with the Graph request id or
 * the outbox file) or `mail.send-failed`. A failure is retried with the job queue's backoff, unless
 * the transport marks it permanent (`error.permanent === true`).
 */
export async function sendAndAudit(
  deps: MailJobDeps,
  job: ClaimedJob,
  mail: OutgoingMail,
  audit: { subject: string; iteration: string | null; details: Record<string, unknown> },
): Promise<{ outcome: JobOutcome; sent: SentMail | null }> {
  const record = (type: string, details: Record<string, unknown>) =>
    recordAuditEvent(deps.engine.database.db, {
      actor: 'system',
      actorName: 'Runsheet',
      iteration: audit.iteration,
      subject: audit.subject,
      type,
      at: deps.clock(),
      details: {
        job: job.id,
        to: mail.to,
        cc: mail.cc,
        subject: mail.subject,
        htmlSha256: sha256Hex(mail.html),
        ...audit.details,
        ...details,
      },
    });
  try {
    const sent = await deps.transport.send(mail);
    await record('mail.sent', { requestId: sent.requestId });
    deps.logger.info(
      { job: job.id, requestId: sent.requestId, to: mail.to.length, cc: mail.cc.length },
      'mail sent',
    );
    return { outcome: { status: 'done' }, sent };
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const permanent = (error as { permanent?: unknown } | null)?.permanent === true;
    await record('mail.send-failed', { error: text, attempt: job.attempts, permanent });
    deps.logger.warn({ job: job.id, err: error, permanent }, 'mail not sent');
    return {
      outcome: permanent
        ? { status: 'failed', error: text }
        : {
            status: 'retry',
            retryAt: new Date(deps.clock().getTime() + backoffDelayMs(job.attempts)),
            error: text,
          },
      sent: null,
    };
  }
}
