/**
 * Status-change emails to the pilots and the step's team, batched per recipient.
 *
 * The engine enqueues one `mail.status-change` job per step status change. Its handler does not
 * send: it adds one `mail_digest_entries` row per recipient (the pilots; in comms `live` also the
 * team's members; in `off` nobody) and enqueues that recipient's `mail.status-digest` job, due
 * `batchSeconds` later, with the dedupe key `mail.status-digest:<address>`. While that digest is
 * pending, further changes for the same recipient only add rows (the queue absorbs the enqueue), so
 * everything that lands within the window goes out as one mail listing every change, oldest first.
 */
import { sql } from '../db/orm.js';
import { queryRows, toDate } from '../db/client.js';
import { sqlList } from '../db/sql-helpers.js';
import { formatLocalTime } from '../engine/messages.js';
import { JOB_KINDS, type StatusChange } from '../engine/outgoing-jobs.js';
import { enqueueJobs, type ClaimedJob } from '../jobs/queue.js';
import type { JobOutcome } from '../jobs/worker.js';
import { formatStatusNotice } from '../teams/card-jobs.js';
import { composeMailDocument } from './compose-mail.js';
import { sendAndAudit, type MailJobDeps } from './mail-job-deps.js';
import { escapeHtml, renderMailTemplate } from './render-template.js';
import { getEmailTemplate } from './template-store.js';

type StatusChangeJob = StatusChange & { auditSeq: number };

/** A recipient's digest job: due `batchSeconds` after the first change waiting for them. */
export function statusDigestJob(recipient: string, runAt: Date) {
  return {
    kind: JOB_KINDS.statusDigestMail,
    payload: { recipient },
    dedupeKey: `${JOB_KINDS.statusDigestMail}:${recipient}`,
    runAt,
  };
}

/** `mail.status-change`: queues the change for each recipient (see the file comment). */
export async function queueStatusChangeMail(deps: MailJobDeps, job: ClaimedJob): Promise<JobOutcome> {
  const change = job.payload as unknown as StatusChangeJob;
  const db = deps.engine.database.db;
  const [facts] = await queryRows<{ comms: 'off' | 'test' | 'live'; team: string | null }>(
    db,
    sql`select i.comms, (select t.name from steps s join teams t on t.id = s.team_id where s.id = ${change.stepId}) as team
        from iterations i where i.id = ${change.iterationId}`,
  );
  if (!facts || facts.comms === 'off') return { status: 'done' };
  const { directory } = deps.engine;
  const people = [
    ...directory.pilots(),
    ...(facts.comms === 'live' && facts.team ? directory.membersOf(facts.team) : []),
  ];
  const recipients = [...new Set(people.map((person) => person.email.trim().toLowerCase()))];
  if (recipients.length === 0) return { status: 'done' };
  const runAt = new Date(deps.clock().getTime() + deps.batchSeconds * 1000);
  await db.transaction(async (tx) => {
    for (const recipient of recipients) {
      await tx.execute(sql`insert into mail_digest_entries (recipient, iteration_id, audit_seq, change, comms)
          values (${recipient}, ${change.iterationId}, ${change.auditSeq}, ${JSON.stringify(change)}::jsonb, ${facts.comms})
          on conflict (recipient, audit_seq) do nothing`);
    }
    await enqueueJobs(
      tx,
      recipients.map((recipient) => statusDigestJob(recipient, runAt)),
    );
  });
  return { status: 'done' };
}

interface DigestEntry {
  id: number;
  change: StatusChangeJob;
  comms: 'test' | 'live';
}

/** Changes one mail lists at most; the rest go in the next digest, right after. */
const MAX_CHANGES_PER_MAIL = 200;

/** `mail.status-digest`: one mail to one recipient with every change waiting for them. */
export async function sendStatusDigest(deps: MailJobDeps, job: ClaimedJob): Promise<JobOutcome> {
  const { recipient } = job.payload as { recipient: string };
  const db = deps.engine.database.db;
  const entries = await queryRows<DigestEntry>(
    db,
    sql`select id::int as id, change, comms from mail_digest_entries
        where recipient = ${recipient} and sent_at is null order by id limit ${MAX_CHANGES_PER_MAIL + 1}`,
  );
  if (entries.length === 0) return { status: 'done' };
  const batch = entries.slice(0, MAX_CHANGES_PER_MAIL);
  const changes = batch
    .map((entry) => entry.change)
    .sort((a, b) => a.at.localeCompare(b.at) || a.auditSeq - b.auditSeq);

  const iterationIds = [...new Set(changes.map((c) => c.iterationId))];
  const iterations = await queryRows<{ id: number; name: string; time_zone: string }>(
    db,
    sql`select id, name, time_zone from iterations where id in ${sqlList(iterationIds)}`,
  );
  const steps = await queryRows<{
    iteration_id: number;
    step_id: number;
    title: string;
    started_at: Date | string | null;
    duration: number | null;
  }>(
    db,
    sql`select ss.iteration_id, s.id as step_id, s.title, ss.started_at, s.duration_minutes as duration
        from steps s left join step_states ss on ss.step_id = s.id and ss.iteration_id in ${sqlList(iterationIds)}
        where s.id in ${sqlList([...new Set(changes.map((c) => c.stepId))])}`,
  );
  const stepOf = (c: StatusChange) =>
    steps.find((s) => s.step_id === c.stepId && s.iteration_id === c.iterationId) ??
    steps.find((s) => s.step_id === c.stepId);
  const zoneOf = (c: StatusChange) => iterations.find((i) => i.id === c.iterationId)?.time_zone ?? 'UTC';
  const lines = changes.map((c) => {
    const step = stepOf(c);
    const line = formatStatusNotice(c, {
      startedAt: toDate(step?.started_at),
      durationMinutes: step?.duration ?? null,
    });
    return { line, title: step?.title ?? '', at: formatLocalTime(new Date(c.at), zoneOf(c)) };
  });
  const listHtml = `<ul>${lines
    .map(
      (l) =>
        `<li>${escapeHtml(l.at)} · <strong>${escapeHtml(l.line)}</strong>${l.title ? ` · ${escapeHtml(l.title)}` : ''}</li>`,
    )
    .join('')}</ul>`;
  const names = iterations.map((i) => i.name).join(', ');
  const test = batch.some((entry) => entry.comms === 'test');
  const template = await getEmailTemplate(db, 'status-change');
  const rendered = renderMailTemplate('status-change', template, {
    'recipient.name': deps.engine.directory.findByEmail(recipient)?.name ?? recipient,
    iteration: names,
    changes: listHtml,
    'changes.count': String(changes.length),
    'changes.summary': changes.length === 1 ? lines[0]!.line : `${changes.length} status changes`,
  });
  const html = composeMailDocument({
    bodyHtml: rendered.bodyHtml,
    card: null,
    testBanner: test
      ? `TEST · ${names} runs with comms in test mode: only the pilots get these mails.`
      : null,
  });
  const { outcome } = await sendAndAudit(
    deps,
    job,
    {
      from: deps.from,
      to: [recipient],
      cc: [],
      subject: `${test ? '[TEST] ' : ''}${rendered.subject}`,
      html,
    },
    {
      subject: `mail:${recipient}`,
      iteration: iterations.length === 1 ? iterations[0]!.name : null,
      details: { kind: 'status-change', changes: changes.map((c) => c.auditSeq) },
    },
  );
  if (outcome.status !== 'done') return outcome;
  await db.execute(
    sql`update mail_digest_entries set sent_at = ${deps.clock().toISOString()}::timestamptz
        where id in ${sqlList(batch.map((entry) => entry.id))}`,
  );
  // More than one mail's worth was waiting: the rest go in the next digest, due now.
  if (entries.length > MAX_CHANGES_PER_MAIL) {
    await enqueueJobs(db, [statusDigestJob(recipient, deps.clock())]);
  }
  return outcome;
}
