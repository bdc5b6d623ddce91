/**
 * The Teams job handlers: they send what the engine enqueued, after its transaction committed.
 * - `step-card.sync`: posts the step's card in its team's channel(s) once the step is ready (the
 *   card alone in its activity, so the returned id can be updated), then updates it in place at
 *   every later change. Pending syncs of one step coalesce in the queue, so only the latest state
 *   is rendered and sent.
 * - `pilots.status-notice`: one line per step status change in the pilots' channel; notices that
 *   are due together go out as one message.
 * Comms mode `off` sends nothing. A 403 (bot removed or blocked) is not retried; it is audited and
 * the pilots are told in their channel.
 */
import { sql } from '../db/orm.js';
import { recordAuditEvent } from '../audit/audit-log.js';
import { queryRows, toDate } from '../db/client.js';
import { sqlList } from '../db/sql-helpers.js';
import {
  conversationsOfTeam,
  pilotConversations,
  type LinkedConversation,
} from '../engine/conversation-links.js';
import type { Engine } from '../engine/engine.js';
import { JOB_KINDS, type StatusChange } from '../engine/outgoing-jobs.js';
import { NotFoundError } from '../engine/read-models.js';
import { backoffDelayMs, type ClaimedJob } from '../jobs/queue.js';
import type { JobBatchHandler, JobHandler, JobOutcome } from '../jobs/worker.js';
import type { Logger } from '../logger.js';
import { loadStepCardData } from './cards/step-card-data.js';
import { renderStepCard } from './cards/render-step-card.js';
import { teamsUserIdsOf } from './teams-users.js';
import type { BotConnectorClient, SendResult } from './connector/connector-client.js';

const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export interface TeamsJobDeps {
  engine: Engine;
  connector: BotConnectorClient;
  logger: Logger;
  clock: () => Date;
  workerId: string;
}

/** A message holding one card and nothing else (see the file comment). */
export function cardActivity(card: object): Record<string, unknown> {
  return { type: 'message', attachments: [{ contentType: CARD_CONTENT_TYPE, content: card }] };
}

/** Turns a failed send into the job's outcome; a blocked conversation is final. */
export function outcomeOfFailure(
  result: Extract<SendResult, { ok: false }>,
  job: ClaimedJob,
  now: Date,
  posting = false,
): JobOutcome {
  // The client's error already names the HTTP status (`HTTP 403 MessageWritesBlocked …`).
  if (isPermanent(result, posting)) return { status: 'failed', error: result.error };
  const delay = result.retryAfterMs ?? backoffDelayMs(job.attempts);
  return { status: 'retry', retryAt: new Date(now.getTime() + delay), error: result.error };
}

/**
 * A failure that retrying cannot mend: the bot is blocked or removed (403), the request is wrong
 * (other 4xx), or a new post's conversation no longer exists (404; a 404 on an update only means
 * the message was deleted, and a fresh card is posted instead).
 */
function isPermanent(result: Extract<SendResult, { ok: false }>, posting: boolean): boolean {
  return result.kind === 'blocked' || result.kind === 'rejected' || (posting && result.kind === 'not-found');
}

export function createTeamsJobHandlers(deps: TeamsJobDeps): {
  handlers: Record<string, JobHandler>;
  batchHandlers: Record<string, JobBatchHandler>;
} {
  return {
    handlers: { [JOB_KINDS.stepCardSync]: (job) => syncStepCard(deps, job) },
    // Status changes that are due together go to the pilots as one message.
    batchHandlers: { [JOB_KINDS.pilotsStatusNotice]: (jobs) => sendPilotNotices(deps, jobs) },
  };
}

interface PostedCardRow {
  id: number;
  conversation_id: string;
  activity_id: string;
}

async function syncStepCard(deps: TeamsJobDeps, job: ClaimedJob): Promise<JobOutcome> {
  const { engine, connector, logger, clock } = deps;
  const db = engine.database.db;
  const { iterationId, stepId } = job.payload as { iterationId: number; stepId: number };
  const now = clock();
  let data;
  try {
    data = await loadStepCardData(engine, iterationId, stepId, now);
  } catch (error) {
    // The step was archived by a re-import, or the iteration removed: nothing left to show.
    if (error instanceof NotFoundError) return { status: 'done' };
    throw error;
  }
  if (data.iteration.comms === 'off' || data.iteration.status !== 'ACTIVE') return { status: 'done' };

  const posted = await queryRows<PostedCardRow>(
    db,
    sql`select id, conversation_id, activity_id from posted_cards where iteration_id = ${iterationId} and step_id = ${stepId}`,
  );
  // A card goes up once the step is ready; after that it follows the step wherever it goes.
  const shouldBeVisible = data.ready || data.status !== 'OPEN' || posted.length > 0;
  if (!shouldBeVisible) return { status: 'done' };
  const conversations = await conversationsOfTeam(db, data.team);
  if (conversations.length === 0) {
    logger.warn(
      { step: data.id, team: data.team, iteration: data.iteration.name },
      'no channel linked for the team: card not posted',
    );
    return { status: 'done' };
  }

  // Pilots first, then the owning team: Teams refreshes the card into their own views (60 at most).
  const viewers = [...engine.directory.pilots(), ...engine.directory.membersOf(data.team)].map(
    (user) => user.aadObjectId,
  );
  const refreshUserIds = await teamsUserIdsOf(db, viewers);
  const activity = cardActivity(renderStepCard(data, null, { refreshUserIds }));
  // Every channel gets its turn: one that fails must not cost the others this update. The job is
  // retried if any failure can mend; permanent ones are audited and told to the pilots.
  let retry: Extract<JobOutcome, { status: 'retry' }> | null = null;
  for (const conversation of conversations) {
    const existing = posted.find((p) => p.conversation_id === conversation.conversationId);
    const result = existing
      ? await connector.updateActivity(
          conversation.serviceUrl,
          conversation.conversationId,
          existing.activity_id,
          activity,
        )
      : await connector.postActivity(conversation.serviceUrl, conversation.conversationId, activity);
    const audit = (type: string, details: Record<string, unknown>) =>
      recordAuditEvent(db, {
        actor: 'system',
        actorName: 'Runsheet',
        iteration: data.iteration.name,
        subject: data.id,
        type,
        details: { conversation: conversation.conversationId, job: job.id, ...details },
      });

    if (!result.ok) {
      if (result.kind === 'not-found' && existing) {
        // The message was deleted in Teams: forget it, so the next sync posts a fresh card.
        await db.execute(sql`delete from posted_cards where id = ${existing.id}`);
      }
      await audit(existing ? 'card.update-failed' : 'card.post-failed', {
        status: result.status,
        error: result.error,
        kind: result.kind,
        attempts: result.attempts,
      });
      const outcome = outcomeOfFailure(result, job, now, !existing);
      if (outcome.status === 'failed') {
        await alertPilots(
          deps,
          conversation,
          `Runsheet cannot post in the channel of ${data.team} any more (${result.error}). Is the app still installed there? ${data.id} is not shown to the team.`,
        );
      } else if (outcome.status === 'retry' && (retry === null || outcome.retryAt < retry.retryAt)) {
        retry = outcome;
      }
      continue;
    }
    if (existing) {
      await db.execute(
        sql`update posted_cards set shown_version = ${data.version}, updated_at = now() where id = ${existing.id}`,
      );
      await audit('card.update', {
        activityId: existing.activity_id,
        status: data.status,
        version: data.version,
      });
    } else if (result.id) {
      await db.execute(sql`insert into posted_cards (iteration_id, step_id, conversation_id, activity_id, shown_version)
          values (${iterationId}, ${stepId}, ${conversation.conversationId}, ${result.id}, ${data.version})
          on conflict (iteration_id, step_id, conversation_id) do update set activity_id = excluded.activity_id, shown_version = excluded.shown_version`);
      await audit('card.post', { activityId: result.id, status: data.status, version: data.version });
    }
  }
  return retry ?? { status: 'done' };
}

/** Tells the pilots' channel(s) about a delivery problem; best effort (it is audited already). */
async function alertPilots(deps: TeamsJobDeps, failed: LinkedConversation, text: string): Promise<void> {
  for (const pilots of await pilotConversations(deps.engine.database.db)) {
    if (pilots.conversationId === failed.conversationId) continue;
    await deps.connector.postActivity(pilots.serviceUrl, pilots.conversationId, {
      type: 'message',
      text: `⚠️ ${text}`,
    });
  }
}

/** A pilots' notice job's payload: the engine's status change, with the audit sequence it adds. */
type StatusNotice = StatusChange & { auditSeq: number };

const STATUS_WORDS: Record<string, string> = {
  IN_PROGRESS: 'started',
  DONE: 'Done',
  FAILED: 'Failed',
  ON_HOLD: 'on hold',
  CANCELLED: 'cancelled',
  OPEN: 'back to open',
};

/** `TRT-123 Done by Luca Engine — 42 min, planned 30` (shared spec of the pilots' channel). */
export function formatStatusNotice(
  notice: StatusChange,
  facts: { startedAt: Date | null; durationMinutes: number | null },
): string {
  const word =
    notice.from === 'ON_HOLD' && notice.to !== 'ON_HOLD'
      ? 'resumed'
      : notice.to === 'IN_PROGRESS' && notice.from === 'FAILED'
        ? 'retried'
        : notice.to === 'IN_PROGRESS' && (notice.from === 'DONE' || notice.from === 'CANCELLED')
          ? 'reopened'
          : (STATUS_WORDS[notice.to] ?? notice.to);
  let line = `${notice.step} ${word} by ${notice.actorName}`;
  if (notice.to === 'DONE' && facts.startedAt) {
    const minutes = Math.max(
      0,
      Math.round((new Date(notice.at).getTime() - facts.startedAt.getTime()) / 60_000),
    );
    line += ` — ${minutes} min${facts.durationMinutes !== null ? `, planned ${facts.durationMinutes}` : ''}`;
  } else if (notice.to === 'FAILED' || notice.to === 'ON_HOLD' || notice.to === 'CANCELLED') {
    // The reason given with this change, carried in the notice: a later change may replace the step's.
    if (notice.reason) line += `: ${notice.reason}`;
  }
  return line;
}

/** Sends this notice and every other one due now as one message to the pilots' channel(s). */
async function sendPilotNotices(deps: TeamsJobDeps, jobs: readonly ClaimedJob[]): Promise<JobOutcome> {
  const { engine, connector, clock } = deps;
  const db = engine.database.db;
  const now = clock();
  const notices = jobs
    .map((j) => j.payload as unknown as StatusNotice)
    .sort((a, b) => a.at.localeCompare(b.at) || a.auditSeq - b.auditSeq);
  // A batch may span an iteration switch: comms mode and step facts are each notice's own.
  const iterationIds = [...new Set(notices.map((n) => n.iterationId))];
  const comms = await queryRows<{ id: number; comms: string }>(
    db,
    sql`select id, comms from iterations where id in ${sqlList(iterationIds)}`,
  );
  const silenced = new Set(comms.filter((c) => c.comms === 'off').map((c) => c.id));
  const audible = notices.filter((n) => !silenced.has(n.iterationId));
  const conversations = audible.length === 0 ? [] : await pilotConversations(db);

  const facts = await queryRows<{
    iteration_id: number;
    step_id: number;
    started_at: Date | string | null;
    duration: number | null;
  }>(
    db,
    sql`select ss.iteration_id, ss.step_id, ss.started_at, s.duration_minutes as duration
        from step_states ss join steps s on s.id = ss.step_id
        where (ss.iteration_id, ss.step_id) in (${sql.join(
          notices.map((n) => sql`(${n.iterationId}, ${n.stepId})`),
          sql`, `,
        )})`,
  );
  const factsOf = (notice: StatusNotice) => {
    const row = facts.find((f) => f.step_id === notice.stepId && f.iteration_id === notice.iterationId);
    return {
      startedAt: toDate(row?.started_at),
      durationMinutes: row?.duration ?? null,
    };
  };
  const text = audible.map((n) => formatStatusNotice(n, factsOf(n))).join('\n\n');

  for (const conversation of conversations) {
    const result = await connector.postActivity(conversation.serviceUrl, conversation.conversationId, {
      type: 'message',
      text,
    });
    if (!result.ok) return outcomeOfFailure(result, jobs[0]!, now);
  }
  return { status: 'done' };
}
