/**
 * Runs the jobs in the job table (see queue.ts): claims due jobs of the kinds it has handlers for,
 * runs them, and records each outcome (done, retry at a time, or failed for good).
 *
 * Delivery is at least once. A job is claimed under a lock (`lockSeconds`); if this process dies or
 * loses the database before recording the outcome, the job is claimed again once the lock expires
 * and runs a second time. Handlers must therefore be safe to repeat (a card sync renders the latest
 * state and updates in place) and must finish well within the lock: a handler still running when its
 * lock expires can be claimed by another worker and run twice at once.
 */
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import { recordJobRun } from '../observability/metrics.js';
import { backoffDelayMs, claimJobs, completeJob, failJob, releaseJobs, type ClaimedJob } from './queue.js';

/** What became of one run of a job. */
export type JobOutcome =
  | { status: 'done' }
  /** Try again at `retryAt` (if the job has attempts left), e.g. at a 429's Retry-After. */
  | { status: 'retry'; retryAt: Date; error: string }
  /** A permanent failure: never retried (e.g. the bot was removed from the team). */
  | { status: 'failed'; error: string };

/**
 * Runs one job. Returning an outcome is preferred; a handler that throws is treated as a transient
 * failure and retried after `backoffDelayMs(attempts)`.
 */
export type JobHandler = (job: ClaimedJob) => Promise<JobOutcome>;

/**
 * Runs every claimed job of one kind together, with one outcome for all of them: for work that is
 * better sent as one (several status lines in one message to the pilots).
 */
export type JobBatchHandler = (jobs: readonly ClaimedJob[]) => Promise<JobOutcome>;

export interface JobWorkerOptions {
  database: Database;
  /** Identifies this worker in the job table's `locked_by`, for operators reading it. */
  workerId: string;
  /** Handlers by job kind. Only these kinds are ever claimed; other kinds wait for a worker that has them. */
  handlers: Record<string, JobHandler>;
  /** Handlers by job kind that take all of a poll's jobs of their kind at once. Claimed like `handlers`. */
  batchHandlers?: Record<string, JobBatchHandler>;
  logger?: Logger;
  /** The time used to claim jobs and schedule retries; tests inject a fake one. */
  clock?: () => Date;
  /** Pause between polls when the last poll found less than a full batch. Default 500 ms. */
  pollIntervalMs?: number;
  /** Jobs claimed (and run concurrently) per poll. Default 10. */
  batchSize?: number;
  /**
   * Jobs the polling loop keeps running at once; it claims more as each one finishes, so one job
   * waiting for its conversation's send slot never holds up the others. Default 50.
   */
  concurrency?: number;
  /** How long a claim holds before another worker may take the job over. Default 60 s. */
  lockSeconds?: number;
}

/** Errors are stored in the job table for operators; a handler's error could be a whole response body. */
const MAX_ERROR_LENGTH = 2_000;

/**
 * Polls the job table and runs due jobs. Any number of workers, in one process or many, may run
 * against one database: claiming uses `FOR UPDATE SKIP LOCKED`, so each due job goes to one worker.
 */
export class JobWorker {
  private readonly database: Database;
  private readonly workerId: string;
  private readonly handlers: Record<string, JobHandler>;
  private readonly batchHandlers: Record<string, JobBatchHandler>;
  private readonly kinds: readonly string[];
  private readonly logger: Logger | undefined;
  private readonly clock: () => Date;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly lockSeconds: number;
  /** Jobs the polling loop has running now. */
  private running = 0;
  private pollInProgress = false;

  /** Set by start(), cleared by stop(): whether the polling loop should keep going. */
  private polling = false;
  /** Set by stop(): no new claims, even from a direct runOnce(). */
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  /** Batches being run, from the loop or direct runOnce() calls; stop() waits for all of them. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** The jobs whose runs have not recorded an outcome yet: what stop() hands back if its bound passes. */
  private readonly unfinished = new Map<number, ClaimedJob>();
  /** Why the last claim failed (database unreachable); null after a claim succeeded. */
  private lastClaimError: string | null = null;

  constructor(options: JobWorkerOptions) {
    this.database = options.database;
    this.workerId = options.workerId;
    this.handlers = options.handlers;
    this.batchHandlers = options.batchHandlers ?? {};
    this.kinds = [...Object.keys(options.handlers), ...Object.keys(this.batchHandlers)];
    this.logger = options.logger;
    this.clock = options.clock ?? (() => new Date());
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.batchSize = options.batchSize ?? 10;
    this.concurrency = Math.max(1, options.concurrency ?? 50);
    this.lockSeconds = options.lockSeconds ?? 60;
  }

  /**
   * Claims up to a batch of due jobs of the registered kinds, runs them concurrently and records
   * their outcomes. Returns how many ran. Rejects only if claiming fails (database unreachable);
   * a failing handler or a failed outcome write is logged, not thrown.
   */
  async runOnce(): Promise<number> {
    if (this.stopped) return 0;
    const jobs = await this.claim(this.batchSize);
    await Promise.all(this.startRuns(jobs));
    return jobs.length;
  }

  /**
   * Starts polling. Polls never overlap; between them, finished jobs make room for new ones, so up
   * to `concurrency` jobs run at once and a slow one (waiting for a rate-limit slot) delays no other.
   */
  start(): void {
    if (this.polling) return;
    this.polling = true;
    this.stopped = false;
    this.schedulePoll(0);
  }

  /**
   * Stops claiming and resolves once every batch in flight has finished and recorded its outcomes.
   * Jobs are not interrupted: a handler half way through a Teams post is left to finish, rather than
   * leaving the job locked until its lock expires and sending it again.
   *
   * With `graceMs`, it waits that long at most: jobs still unfinished then are released (pending
   * again, due now, their attempt given back) so that another instance, or this one after a
   * restart, runs them at once instead of after their lock expires. A released handler that was
   * already sending may have delivered, so its job can send twice; a grace longer than the jobs
   * normally take makes that rare. Returns how many jobs were released.
   */
  async stop(options: { graceMs?: number } = {}): Promise<{ released: number }> {
    this.polling = false;
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = options.graceMs === undefined ? Infinity : Date.now() + options.graceMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      const left = deadline - Date.now();
      const waited = Promise.allSettled([...this.inFlight]);
      if (left === Infinity) await waited;
      else await Promise.race([waited, new Promise((resolve) => setTimeout(resolve, left).unref())]);
    }
    if (this.unfinished.size === 0) return { released: 0 };
    const jobs = [...this.unfinished.values()];
    this.unfinished.clear();
    const released = await releaseJobs(this.database.db, this.workerId, jobs);
    for (const job of jobs) recordJobRun(job.kind, 'released', 0);
    this.logger?.warn(
      { workerId: this.workerId, jobIds: jobs.map((job) => job.id), released },
      'jobs released at shutdown',
    );
    return { released };
  }

  /** Whether the polling loop runs, and whether its last claim reached the database: for /readyz. */
  status(): { polling: boolean; running: number; lastClaimError: string | null } {
    return { polling: this.polling, running: this.running, lastClaimError: this.lastClaimError };
  }

  private schedulePoll(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, delayMs);
  }

  private async poll(): Promise<void> {
    if (this.pollInProgress || this.stopped) return;
    this.pollInProgress = true;
    let claimed = 0;
    let room = 0;
    try {
      room = Math.min(this.batchSize, this.concurrency - this.running);
      if (room > 0) {
        const jobs = await this.claim(room);
        this.lastClaimError = null;
        claimed = jobs.length;
        this.running += claimed;
        for (const run of this.startRuns(jobs)) {
          void run.finally(() => {
            this.running -= 1;
            this.pollSoon();
          });
        }
      }
    } catch (error) {
      // The database may be briefly unreachable (failover, restart); keep polling.
      this.lastClaimError = errorText(error);
      this.logger?.error({ err: error, workerId: this.workerId }, 'claiming jobs failed');
    } finally {
      this.pollInProgress = false;
    }
    // A full claim suggests more are due: poll again at once to drain a backlog. When the loop is
    // full, a finishing job polls (pollSoon); the timer is the fallback for newly enqueued work.
    if (this.polling) this.schedulePoll(room > 0 && claimed >= room ? 0 : this.pollIntervalMs);
  }

  /** Polls as soon as possible (a job finished and made room). */
  private pollSoon(): void {
    if (!this.polling || this.pollInProgress) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.schedulePoll(0);
  }

  private claim(limit: number): Promise<ClaimedJob[]> {
    return claimJobs(this.database.db, {
      workerId: this.workerId,
      kinds: this.kinds,
      limit,
      lockSeconds: this.lockSeconds,
      now: this.clock(),
    });
  }

  /**
   * Starts running claimed jobs, concurrently: every job of a claim was locked at the same moment,
   * and the last of a sequential run could find its lock expired (and the job taken over by another
   * worker) before it even started. Returns one promise per job, settled once its outcome is
   * recorded; each is tracked so that stop() can wait for it.
   */
  private startRuns(jobs: readonly ClaimedJob[]): Promise<void>[] {
    const runOf = new Map<number, Promise<void>>();
    for (const [kind, batchHandler] of Object.entries(this.batchHandlers)) {
      const group = jobs.filter((job) => job.kind === kind);
      if (group.length === 0) continue;
      const run = this.track(this.runJobs(group, () => batchHandler(group)));
      for (const job of group) runOf.set(job.id, run);
    }
    for (const job of jobs) {
      if (runOf.has(job.id)) continue;
      const handler = this.handlers[job.kind];
      const run = () =>
        handler ? handler(job) : Promise.reject(new Error(`no handler for job kind ${job.kind}`));
      runOf.set(job.id, this.track(this.runJobs([job], run)));
    }
    return jobs.map((job) => runOf.get(job.id)!);
  }

  /** Remembers a run until it settles, so that stop() can wait for it. */
  private track(run: Promise<void>): Promise<void> {
    this.inFlight.add(run);
    const forget = () => this.inFlight.delete(run);
    run.then(forget, forget);
    return run;
  }

  /** Runs `jobs` through `run`, records its one outcome for each of them, and logs one line per job. */
  private async runJobs(jobs: readonly ClaimedJob[], run: () => Promise<JobOutcome>): Promise<void> {
    const startedAt = performance.now();
    for (const each of jobs) this.unfinished.set(each.id, each);
    let outcome: JobOutcome;
    try {
      outcome = await run();
      // A bad outcome would fail when recorded and leave the job locked; treat it as a failed run.
      if (!isValidOutcome(outcome))
        throw new Error(`handler returned an invalid outcome: ${JSON.stringify(outcome)}`);
    } catch (error) {
      outcome = {
        status: 'retry',
        retryAt: new Date(this.clock().getTime() + backoffDelayMs(jobs[0]!.attempts)),
        error: errorText(error),
      };
    }
    // Released by stop() while running: the job is someone else's now; record nothing.
    if (jobs.some((each) => !this.unfinished.has(each.id))) return;
    let recorded = true;
    try {
      for (const each of jobs) await this.record(each, outcome);
    } catch (error) {
      // The job stays 'running' and is claimed again when its lock expires: it may run twice,
      // which handlers are written to tolerate, but it is not lost.
      recorded = false;
      this.logger?.error(
        { err: error, jobIds: jobs.map((each) => each.id), outcome: outcome.status },
        'could not record job outcome',
      );
    }
    for (const each of jobs) this.unfinished.delete(each.id);
    if (!recorded) return;
    const seconds = (performance.now() - startedAt) / 1000;
    for (const job of jobs) {
      const final =
        outcome.status === 'failed' || (outcome.status === 'retry' && job.attempts >= job.maxAttempts);
      const result = outcome.status === 'retry' && final ? 'failed' : outcome.status;
      recordJobRun(job.kind, result, seconds);
      const line = {
        ...jobContext(job),
        workerId: this.workerId,
        batch: jobs.length,
        outcome: result,
        ms: Math.round(seconds * 1000),
        ...(outcome.status === 'done' ? {} : { error: outcome.error }),
        ...(outcome.status === 'retry' && !final ? { retryAt: outcome.retryAt.toISOString() } : {}),
      };
      if (final)
        this.logger?.warn(
          line,
          outcome.status === 'failed' ? 'job failed for good' : 'job failed: no attempts left',
        );
      else if (outcome.status === 'retry') this.logger?.info(line, 'job will be retried');
      else this.logger?.info(line, 'job done');
    }
  }

  private record(job: ClaimedJob, outcome: JobOutcome): Promise<void> {
    const db = this.database.db;
    switch (outcome.status) {
      case 'done':
        return completeJob(db, job);
      case 'retry':
        return failJob(db, job, truncate(outcome.error), outcome.retryAt);
      case 'failed':
        return failJob(db, job, truncate(outcome.error), null);
    }
  }
}

/**
 * The correlation ids of a job for its log line: its id, kind and attempt, and the step, iteration
 * and audit event (`auditSeq`: the command that caused it) its payload names.
 */
function jobContext(job: ClaimedJob): Record<string, unknown> {
  const { stepId, iterationId, auditSeq } = job.payload;
  return { jobId: job.id, kind: job.kind, attempt: job.attempts, stepId, iterationId, auditSeq };
}

function isValidOutcome(outcome: JobOutcome | undefined): boolean {
  switch (outcome?.status) {
    case 'done':
      return true;
    case 'failed':
      return typeof outcome.error === 'string';
    case 'retry':
      return (
        typeof outcome.error === 'string' &&
        outcome.retryAt instanceof Date &&
        !Number.isNaN(outcome.retryAt.getTime())
      );
    default:
      return false;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function truncate(text: string): string {
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}
