/**
 * The job queue: a table in the service's own database, so a job is enqueued in the same
 * transaction as the change that causes it (the transactional outbox). Workers on any instance
 * claim due jobs with `FOR UPDATE SKIP LOCKED`, so each job runs once however many instances run.
 */
import type { SQL } from 'drizzle-orm';
import { sql } from '../db/orm.js';
import type { Queryable } from '../db/client.js';
import { queryRows } from '../db/client.js';
import { PreparedStatement } from '../db/prepared.js';
import { jsonbRows } from '../db/sql-helpers.js';

export interface JobRequest {
  kind: string;
  payload: Record<string, unknown>;
  /**
   * While a pending job has this key, enqueueing another with the same key does nothing. Card
   * refreshes use it to coalesce: the worker renders the latest state when it finally runs.
   */
  dedupeKey?: string;
  runAt?: Date;
  maxAttempts?: number;
}

export interface ClaimedJob {
  id: number;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
}

/**
 * Enqueues jobs inside the caller's transaction, in one statement whatever their number; returns
 * how many were new (not coalesced into a pending job with the same dedupe key). `now`: the
 * caller's clock, when a job has no `runAt` of its own (default the real time), so that a service
 * on another clock (a simulated rehearsal) finds them due by its own clock.
 */
export async function enqueueJobs(
  tx: Queryable,
  requests: readonly JobRequest[],
  now?: Date,
): Promise<number> {
  if (requests.length === 0) return 0;
  const [inserted] = await enqueueStatement.rows(tx, { jobs: jobRowsJson(requests, now) });
  return inserted?.n ?? 0;
}

/**
 * The `insert … returning 1` that enqueues the jobs of the `jobs` placeholder (`jobRowsJson`, any
 * number, none included), for a statement of the caller's own. `addToPayload`: an SQL jsonb object
 * merged into every payload, for values only that statement knows (the engine adds the sequence
 * number of the audit event it appends).
 */
export function insertJobsSql(addToPayload?: SQL): SQL {
  const payload = addToPayload ? sql`x.payload || ${addToPayload}` : sql`x.payload`;
  return sql`insert into jobs (kind, payload, dedupe_key, run_at, max_attempts)
          select x.kind, ${payload}, x.dedupe_key, x.run_at, x.max_attempts
          from jsonb_to_recordset(${sql.placeholder('jobs')}::jsonb)
            as x(ord int, kind text, payload jsonb, dedupe_key text, run_at timestamptz, max_attempts int)
          order by x.ord
          on conflict (dedupe_key) where state = 'pending' and dedupe_key is not null do nothing
          returning 1`;
}

/**
 * The value of `insertJobsSql`'s `jobs` placeholder: the rows as one JSON array. `now`: when a job
 * without `runAt` is due (see enqueueJobs).
 */
export function jobRowsJson(requests: readonly JobRequest[], now = new Date()): string {
  return JSON.stringify(
    requests.map((request, ord) => ({
      ord,
      kind: request.kind,
      payload: request.payload,
      dedupe_key: request.dedupeKey ?? null,
      run_at: (request.runAt ?? now).toISOString(),
      max_attempts: request.maxAttempts ?? 10,
    })),
  );
}

const enqueueStatement = new PreparedStatement<{ jobs: string }, { n: number }>(
  'jobs.enqueue',
  () => sql`with created as (${insertJobsSql()}) select count(*)::int as n from created`,
);

/**
 * Claims up to `limit` due jobs of the given kinds for `lockSeconds`. A job whose worker died is
 * claimable again once its lock expires, so nothing is lost across a crash.
 */
export async function claimJobs(
  db: Queryable,
  options: { workerId: string; kinds: readonly string[]; limit: number; lockSeconds: number; now?: Date },
): Promise<ClaimedJob[]> {
  if (options.kinds.length === 0) return [];
  const now = (options.now ?? new Date()).toISOString();
  return queryRows<ClaimedJob>(
    db,
    sql`update jobs set state = 'running', attempts = attempts + 1, locked_by = ${options.workerId},
               locked_until = ${now}::timestamptz + make_interval(secs => ${options.lockSeconds})
        where id in (
          select id from jobs
          where kind in (${sql.join(
            options.kinds.map((kind) => sql`${kind}`),
            sql`, `,
          )})
            and ((state = 'pending' and run_at <= ${now}::timestamptz)
              or (state = 'running' and locked_until < ${now}::timestamptz))
          order by run_at, id
          limit ${options.limit}
          for update skip locked)
        returning id::int as id, kind, payload, attempts, max_attempts as "maxAttempts"`,
  );
}

/**
 * Marks a claimed job done. Only while the claim still holds (same worker, same attempt): a worker
 * whose lock expired must not overwrite the outcome of the worker that took the job over.
 */
export async function completeJob(db: Queryable, job: Pick<ClaimedJob, 'id' | 'attempts'>): Promise<void> {
  await db.execute(
    sql`update jobs set state = 'done', finished_at = now(), locked_by = null, locked_until = null
        where id = ${job.id} and state = 'running' and attempts = ${job.attempts}`,
  );
}

/**
 * Records a failed attempt: the job is retried at `retryAt`, or marked failed for good when it
 * has no attempts left or `retryAt` is null (a permanent error such as a removed bot).
 */
export async function failJob(
  db: Queryable,
  job: ClaimedJob,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  const final = retryAt === null || job.attempts >= job.maxAttempts;
  await db.execute(
    final
      ? sql`update jobs set state = 'failed', last_error = ${error}, finished_at = now(),
                 locked_by = null, locked_until = null where id = ${job.id} and state = 'running' and attempts = ${job.attempts}`
      : sql`update jobs set state = 'pending', last_error = ${error}, run_at = ${retryAt.toISOString()}::timestamptz,
                 locked_by = null, locked_until = null where id = ${job.id} and state = 'running' and attempts = ${job.attempts}`,
  );
}

/**
 * Hands claimed jobs back unfinished (a worker shutting down): pending again and due now, with the
 * attempt the claim counted given back, so a restart costs a job none of its attempts. Only claims
 * that still hold (same worker, same attempt) are released; returns how many were. A job whose
 * dedupe key already has a newer pending job is closed as done instead: that job renders the
 * latest state anyway, and two pending jobs may not share a key.
 */
export async function releaseJobs(
  db: Queryable,
  workerId: string,
  jobs: readonly Pick<ClaimedJob, 'id' | 'attempts'>[],
): Promise<number> {
  if (jobs.length === 0) return 0;
  const claims = jsonbRows(jobs.map((job) => ({ id: job.id, attempts: job.attempts })));
  const held = sql`jobs.id = c.id and jobs.attempts = c.attempts and jobs.state = 'running'
                   and jobs.locked_by = ${workerId}`;
  const newerPending = sql`exists (select 1 from jobs p where p.state = 'pending' and p.dedupe_key = jobs.dedupe_key)`;
  await db.execute(
    sql`update jobs set state = 'done', finished_at = now(), locked_by = null, locked_until = null,
               last_error = 'released at shutdown; a newer pending job with the same dedupe key does its work'
        from jsonb_to_recordset(${claims}) as c(id bigint, attempts int)
        where ${held} and ${newerPending}`,
  );
  const [released] = await queryRows<{ n: number }>(
    db,
    sql`with released as (
          update jobs set state = 'pending', attempts = jobs.attempts - 1, run_at = now(),
                 locked_by = null, locked_until = null
          from jsonb_to_recordset(${claims}) as c(id bigint, attempts int)
          where ${held}
          returning 1)
        select count(*)::int as n from released`,
  );
  return released?.n ?? 0;
}

/**
 * Exponential backoff with half jitter (between half and all of the ceiling): attempt 1 → 1–2 s,
 * attempt 6 → 32–64 s, attempt 9 and later → 2.5–5 min.
 */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(300_000, 1000 * 2 ** Math.max(1, attempt));
  return Math.round(ceiling * (0.5 + random() / 2));
}
