/**
 * The alert job handlers (alerts are raised and resolved by src/engine/alert-scan.ts):
 * - `alert.sync`: posts the alert's card to each pilots' channel, or updates it in place (resolved);
 * - `alert.thread-reply`: for a ready step not started, a reply in its card's thread in the team's
 *   channel, so the team sees it where they work.
 * Comms mode `off` sends nothing. Sends are audited (`alert.post`, `alert.update`, `alert.reply`).
 */
import { sql } from '../db/orm.js';
import { recordAuditEvent } from '../audit/audit-log.js';
import { queryRows, toDate } from '../db/client.js';
import { ALERT_JOB_KINDS } from '../engine/alert-scan.js';
import { pilotConversations } from '../engine/conversation-links.js';
import { formatLocalTime } from '../engine/messages.js';
import type { ClaimedJob } from '../jobs/queue.js';
import type { JobHandler, JobOutcome } from '../jobs/worker.js';
import { cardActivity, outcomeOfFailure, type TeamsJobDeps } from './card-jobs.js';
import { channelMessageLink, renderAlertCard } from './cards/render-alert-card.js';

interface AlertRow {
  id: number;
  kind: string;
  subject: string;
  step_id: number | null;
  message: string;
  raised_at: Date | string;
  resolved_at: Date | string | null;
  iteration_id: number;
  iteration: string;
  time_zone: string;
  comms: string;
}

async function loadAlert(deps: TeamsJobDeps, alertId: number): Promise<AlertRow | undefined> {
  const [row] = await queryRows<AlertRow>(
    deps.engine.database.db,
    sql`select a.id, a.kind, a.subject, a.step_id, a.message, a.raised_at, a.resolved_at, a.iteration_id,
          i.name as iteration, i.time_zone, i.comms
        from alerts a join iterations i on i.id = a.iteration_id where a.id = ${alertId}`,
  );
  return row;
}

/** Where the step's card was posted in its team's channel(s), with the conversation's service URL. */
async function stepCardPosts(deps: TeamsJobDeps, iterationId: number, stepId: number) {
  return queryRows<{
    conversation_id: string;
    activity_id: string;
    service_url: string;
    tenant_id: string | null;
  }>(
    deps.engine.database.db,
    sql`select pc.conversation_id, pc.activity_id, cr.service_url, cr.tenant_id
        from posted_cards pc join conversation_refs cr on cr.conversation_id = pc.conversation_id
        where pc.iteration_id = ${iterationId} and pc.step_id = ${stepId} order by pc.id`,
  );
}

export function createAlertJobHandlers(deps: TeamsJobDeps): Record<string, JobHandler> {
  return {
    [ALERT_JOB_KINDS.alertSync]: (job) => syncAlertCard(deps, job),
    [ALERT_JOB_KINDS.alertThreadReply]: (job) => replyInStepThread(deps, job),
  };
}

async function syncAlertCard(deps: TeamsJobDeps, job: ClaimedJob): Promise<JobOutcome> {
  const db = deps.engine.database.db;
  const alert = await loadAlert(deps, Number(job.payload.alertId));
  if (!alert || alert.comms === 'off') return { status: 'done' };
  const pilots = await pilotConversations(db);
  if (pilots.length === 0) {
    deps.logger.warn({ alert: alert.id }, "no pilots' channel linked: alert not posted");
    return { status: 'done' };
  }
  const stepCard =
    alert.step_id === null ? undefined : (await stepCardPosts(deps, alert.iteration_id, alert.step_id))[0];
  const resolvedAt = toDate(alert.resolved_at);
  const activity = cardActivity(
    renderAlertCard({
      iteration: alert.iteration,
      test: alert.comms === 'test',
      kind: alert.kind,
      message: alert.message,
      raisedAt: formatLocalTime(toDate(alert.raised_at)!, alert.time_zone),
      resolvedAt: resolvedAt ? formatLocalTime(resolvedAt, alert.time_zone) : null,
      stepCardUrl: stepCard
        ? channelMessageLink(stepCard.conversation_id, stepCard.activity_id, stepCard.tenant_id)
        : null,
    }),
  );
  const posts = await queryRows<{ conversation_id: string; activity_id: string }>(
    db,
    sql`select conversation_id, activity_id from alert_posts where alert_id = ${alert.id}`,
  );
  let retry: JobOutcome | null = null;
  for (const conversation of pilots) {
    const existing = posts.find((p) => p.conversation_id === conversation.conversationId);
    // A resolved alert never posted (resolved before its first send) is not worth a new message.
    if (!existing && resolvedAt) continue;
    const result = existing
      ? await deps.connector.updateActivity(
          conversation.serviceUrl,
          conversation.conversationId,
          existing.activity_id,
          activity,
        )
      : await deps.connector.postActivity(conversation.serviceUrl, conversation.conversationId, activity);
    if (!result.ok) {
      const outcome = outcomeOfFailure(result, job, deps.clock(), !existing);
      if (outcome.status === 'retry') retry = outcome;
      continue;
    }
    if (!existing && result.id) {
      await db.execute(sql`insert into alert_posts (alert_id, conversation_id, activity_id)
          values (${alert.id}, ${conversation.conversationId}, ${result.id}) on conflict do nothing`);
    }
    await recordAuditEvent(db, {
      actor: 'system',
      actorName: 'Runsheet',
      iteration: alert.iteration,
      subject: alert.subject,
      type: existing ? 'alert.update' : 'alert.post',
      details: {
        alert: alert.id,
        conversation: conversation.conversationId,
        job: job.id,
        resolved: resolvedAt !== null,
      },
    });
  }
  return retry ?? { status: 'done' };
}

async function replyInStepThread(deps: TeamsJobDeps, job: ClaimedJob): Promise<JobOutcome> {
  const alert = await loadAlert(deps, Number(job.payload.alertId));
  if (!alert || alert.comms === 'off' || alert.step_id === null || alert.resolved_at !== null)
    return { status: 'done' };
  const text = `⏰ ${alert.message}. The pilots have been alerted.`;
  for (const post of await stepCardPosts(deps, alert.iteration_id, alert.step_id)) {
    const thread = `${post.conversation_id.split(';')[0]!};messageid=${post.activity_id}`;
    const result = await deps.connector.postActivity(post.service_url, thread, { type: 'message', text });
    if (!result.ok) return outcomeOfFailure(result, job, deps.clock(), true);
    await recordAuditEvent(deps.engine.database.db, {
      actor: 'system',
      actorName: 'Runsheet',
      iteration: alert.iteration,
      subject: alert.subject,
      type: 'alert.reply',
      details: { alert: alert.id, conversation: thread, job: job.id },
    });
  }
  return { status: 'done' };
}
