/** The job worker over a real job table: each job runs once, retries, permanent failures, shutdown. */
import { Writable } from 'node:stream';
import { sql } from '../../src/db/orm.js';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { claimJobs, enqueueJobs, type ClaimedJob } from '../../src/jobs/queue.js';
import { JobWorker, type JobHandler, type JobOutcome } from '../../src/jobs/worker.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
const workers: JobWorker[] = [];
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  await database.destroy();
});

const T = new Date('2026-12-05T18:00:00Z');

interface JobRow {
  id: number;
  kind: string;
  state: string;
  attempts: number;
  lastError: string | null;
  runAt: Date;
}
const jobRows = async () =>
  (
    await queryRows<JobRow & { runAt: string | Date }>(
      database.db,
      sql`select id::int, kind, state, attempts, last_error as "lastError", run_at as "runAt" from jobs order by id`,
    )
  ).map((row) => ({ ...row, runAt: new Date(row.runAt) }));

/** A worker on a clock the test moves by hand, stopped after the test. */
function worker(
  handlers: Record<string, JobHandler>,
  options: { workerId?: string; clock?: { now: Date } } = {},
) {
  const clock = options.clock ?? { now: T };
  const created = new JobWorker({
    database,
    workerId: options.workerId ?? 'worker-1',
    handlers,
    clock: () => clock.now,
    pollIntervalMs: 5,
  });
  workers.push(created);
  return { worker: created, clock };
}

/** A promise with its resolve function, to hold a handler mid-run. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const done: JobOutcome = { status: 'done' };

describe('JobWorker', () => {
  it('keeps claiming while a slow job runs: one job waiting for its slot holds up no other', async () => {
    await enqueueJobs(database.db, [{ kind: 'slow', payload: {}, runAt: T }]);
    await enqueueJobs(
      database.db,
      [1, 2, 3, 4, 5, 6].map((n) => ({ kind: 'fast', payload: { n }, runAt: T })),
    );
    const hold = deferred();
    const fastDone: number[] = [];
    const w = new JobWorker({
      database,
      workerId: 'pipeline',
      clock: () => T,
      batchSize: 2,
      concurrency: 3,
      pollIntervalMs: 5,
      handlers: {
        slow: async () => (await hold.promise, done),
        fast: async (job) => (fastDone.push(job.payload.n as number), done),
      },
    });
    workers.push(w);
    w.start();
    try {
      // A handler returns before the worker records the job as done: wait for the table, not the handler.
      await waitUntil(async () =>
        (await jobRows()).filter((row) => row.kind === 'fast').every((row) => row.state === 'done'),
      );
      expect(fastDone.sort()).toEqual([1, 2, 3, 4, 5, 6]);
      expect((await jobRows()).filter((row) => row.state === 'running').map((row) => row.kind)).toEqual([
        'slow',
      ]);
    } finally {
      // Even when an expectation fails, so that stopping the worker does not wait for the slow job forever.
      hold.resolve();
    }
    await waitUntil(async () => (await jobRows()).every((row) => row.state === 'done'));
  });

  it("hands all of a poll's jobs of a batch kind to one batch handler, and records its outcome for each", async () => {
    await enqueueJobs(database.db, [
      { kind: 'notice', payload: { n: 1 }, runAt: T },
      { kind: 'card', payload: { n: 2 }, runAt: T },
      { kind: 'notice', payload: { n: 3 }, runAt: T },
    ]);
    const batches: number[][] = [];
    const cards: number[] = [];
    const w = new JobWorker({
      database,
      workerId: 'batcher',
      clock: () => T,
      handlers: { card: async (job) => (cards.push(job.payload.n as number), done) },
      batchHandlers: {
        notice: async (jobs) => {
          batches.push(jobs.map((job) => job.payload.n as number).sort());
          return { status: 'retry', retryAt: new Date(T.getTime() + 5000), error: 'pilots channel busy' };
        },
      },
    });
    workers.push(w);
    expect(await w.runOnce()).toBe(3);
    expect(batches).toEqual([[1, 3]]);
    expect(cards).toEqual([2]);
    expect((await jobRows()).map((row) => `${row.kind}:${row.state}:${row.lastError ?? ''}`)).toEqual([
      'notice:pending:pilots channel busy',
      'card:done:',
      'notice:pending:pilots channel busy',
    ]);
  });

  it('runs each due job once and marks it done', async () => {
    await enqueueJobs(database.db, [
      { kind: 'card', payload: { n: 1 }, runAt: T },
      { kind: 'card', payload: { n: 2 }, runAt: T },
      { kind: 'card', payload: { n: 3 }, runAt: new Date(T.getTime() + 60_000) },
    ]);
    const seen: unknown[] = [];
    const { worker: w } = worker({
      card: async (job) => {
        seen.push(job.payload.n);
        return done;
      },
    });
    expect(await w.runOnce()).toBe(2);
    expect(await w.runOnce()).toBe(0);
    expect(seen.sort()).toEqual([1, 2]);
    expect((await jobRows()).map((row) => row.state)).toEqual(['done', 'done', 'pending']);
  });

  it('never claims jobs of a kind it has no handler for', async () => {
    await enqueueJobs(database.db, [
      { kind: 'mail.status-change', payload: {}, runAt: T },
      { kind: 'card', payload: {}, runAt: T },
    ]);
    const { worker: w } = worker({ card: async () => done });
    expect(await w.runOnce()).toBe(1);
    const rows = await jobRows();
    expect(rows.map((row) => [row.kind, row.state, row.attempts])).toEqual([
      ['mail.status-change', 'pending', 0],
      ['card', 'done', 1],
    ]);
  });

  it('retries a throwing handler later, with backoff', async () => {
    await enqueueJobs(database.db, [{ kind: 'card', payload: {}, runAt: T }]);
    let runs = 0;
    const { worker: w, clock } = worker({
      card: async () => {
        runs += 1;
        if (runs === 1) throw new Error('Teams is down');
        return done;
      },
    });
    expect(await w.runOnce()).toBe(1);
    const [afterFailure] = await jobRows();
    expect(afterFailure).toMatchObject({ state: 'pending', attempts: 1, lastError: 'Error: Teams is down' });
    // backoffDelayMs(1) is 1 to 2 s.
    const delay = afterFailure!.runAt.getTime() - T.getTime();
    expect(delay).toBeGreaterThanOrEqual(1000);
    expect(delay).toBeLessThanOrEqual(2000);
    expect(await w.runOnce()).toBe(0);
    clock.now = afterFailure!.runAt;
    expect(await w.runOnce()).toBe(1);
    expect(runs).toBe(2);
    expect(await jobRows()).toMatchObject([{ state: 'done', attempts: 2 }]);
  });

  it('retries at the exact time a handler asks for (a 429 Retry-After)', async () => {
    await enqueueJobs(database.db, [{ kind: 'card', payload: {}, runAt: T }]);
    const retryAt = new Date(T.getTime() + 7_000);
    const { worker: w } = worker({ card: async () => ({ status: 'retry', retryAt, error: 'HTTP 429' }) });
    await w.runOnce();
    expect(await jobRows()).toMatchObject([{ state: 'pending', runAt: retryAt, lastError: 'HTTP 429' }]);
  });

  it('marks a permanent failure failed at once, whatever attempts are left', async () => {
    await enqueueJobs(database.db, [{ kind: 'card', payload: {}, runAt: T, maxAttempts: 10 }]);
    const { worker: w, clock } = worker({
      card: async () => ({ status: 'failed', error: 'HTTP 403 MessageWritesBlocked' }),
    });
    expect(await w.runOnce()).toBe(1);
    clock.now = new Date(T.getTime() + 3_600_000);
    expect(await w.runOnce()).toBe(0);
    expect(await jobRows()).toMatchObject([
      { state: 'failed', attempts: 1, lastError: 'HTTP 403 MessageWritesBlocked' },
    ]);
  });

  it('fails a job for good once its attempts are spent', async () => {
    await enqueueJobs(database.db, [{ kind: 'card', payload: {}, runAt: T, maxAttempts: 2 }]);
    const { worker: w, clock } = worker({
      card: async () => {
        throw new Error('still down');
      },
    });
    await w.runOnce();
    clock.now = new Date(T.getTime() + 10_000);
    await w.runOnce();
    expect(await jobRows()).toMatchObject([{ state: 'failed', attempts: 2, lastError: 'Error: still down' }]);
  });

  it('treats a handler that returns no valid outcome as a failed run, not a stuck job', async () => {
    await enqueueJobs(database.db, [{ kind: 'card', payload: {}, runAt: T }]);
    const { worker: w } = worker({
      card: (async () => ({ status: 'retry', retryAt: new Date(Number.NaN), error: 'x' })) as JobHandler,
    });
    await w.runOnce();
    expect(await jobRows()).toMatchObject([
      { state: 'pending', lastError: expect.stringMatching(/invalid outcome/) as unknown },
    ]);
  });

  it('two workers on one database never run a job twice', async () => {
    const total = 50;
    await enqueueJobs(
      database.db,
      Array.from({ length: total }, (_, n) => ({ kind: 'card', payload: { n }, runAt: T })),
    );
    const executions = new Map<number, string[]>();
    const handlerFor =
      (workerId: string): JobHandler =>
      async (job: ClaimedJob) => {
        executions.set(job.id, [...(executions.get(job.id) ?? []), workerId]);
        // Yield so the two workers' batches interleave.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
        return done;
      };
    const clock = { now: T };
    const options = { database, handlers: {}, clock: () => clock.now, pollIntervalMs: 1, batchSize: 4 };
    const a = new JobWorker({ ...options, workerId: 'a', handlers: { card: handlerFor('a') } });
    const b = new JobWorker({ ...options, workerId: 'b', handlers: { card: handlerFor('b') } });
    workers.push(a, b);
    a.start();
    b.start();
    await waitUntil(async () => (await jobRows()).every((row) => row.state === 'done'));
    await Promise.all([a.stop(), b.stop()]);

    expect(executions.size).toBe(total);
    for (const ranOn of executions.values()) expect(ranOn).toHaveLength(1);
    const byWorker = [...executions.values()].flat();
    expect(byWorker.filter((id) => id === 'a').length + byWorker.filter((id) => id === 'b').length).toBe(
      total,
    );
    expect(new Set(byWorker).size, 'both workers took part').toBe(2);
    expect((await jobRows()).every((row) => row.attempts === 1)).toBe(true);
  });

  it('two workers racing runOnce() over 50 jobs still run each exactly once', async () => {
    await enqueueJobs(
      database.db,
      Array.from({ length: 50 }, (_, n) => ({ kind: 'card', payload: { n }, runAt: T })),
    );
    const runs = new Map<number, number>();
    const handler: JobHandler = async (job) => {
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
      return done;
    };
    const { worker: a } = worker({ card: handler }, { workerId: 'a' });
    const { worker: b } = worker({ card: handler }, { workerId: 'b' });
    const drain = async (w: JobWorker) => {
      let ran = 0;
      for (let round = 0; round < 20; round += 1) ran += await w.runOnce();
      return ran;
    };
    const [ranByA, ranByB] = await Promise.all([drain(a), drain(b)]);
    expect(ranByA + ranByB).toBe(50);
    expect(runs.size).toBe(50);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
  });

  it('re-runs a job whose worker died, once its lock has expired', async () => {
    await enqueueJobs(database.db, [{ kind: 'card', payload: {}, runAt: T }]);
    // A worker claims the job and dies before recording anything.
    await claimJobs(database.db, { workerId: 'dead', kinds: ['card'], limit: 1, lockSeconds: 60, now: T });
    const { worker: w, clock } = worker({ card: async () => done });
    expect(await w.runOnce()).toBe(0);
    clock.now = new Date(T.getTime() + 61_000);
    expect(await w.runOnce()).toBe(1);
    expect(await jobRows()).toMatchObject([{ state: 'done', attempts: 2 }]);
  });

  it('polls on its own once started, and stop() waits for the jobs in flight', async () => {
    await enqueueJobs(database.db, [{ kind: 'card', payload: { n: 1 }, runAt: T }]);
    const started = deferred();
    const release = deferred();
    let finished = false;
    const { worker: w } = worker({
      card: async () => {
        started.resolve();
        await release.promise;
        finished = true;
        return done;
      },
    });
    w.start();
    await started.promise;

    let stopped = false;
    const stopping = w.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    release.resolve();
    await stopping;
    expect(finished).toBe(true);
    expect(await jobRows()).toMatchObject([{ state: 'done' }]);

    // Stopped: a new job is not claimed, neither by the loop nor by runOnce().
    await enqueueJobs(database.db, [{ kind: 'card', payload: { n: 2 }, runAt: T }]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await w.runOnce()).toBe(0);
    expect((await jobRows()).map((row) => row.state)).toEqual(['done', 'pending']);
  });

  it('keeps polling after claiming fails (database briefly unreachable)', async () => {
    const broken = { ...database, db: { execute: () => Promise.reject(new Error('connection refused')) } };
    const errors: string[] = [];
    const logger = pino(
      { level: 'error' },
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          errors.push(chunk.toString());
          callback();
        },
      }),
    );
    const w = new JobWorker({
      database: broken as unknown as TestDatabase,
      workerId: 'w',
      handlers: { card: async () => done },
      logger,
      pollIntervalMs: 5,
    });
    workers.push(w);
    await expect(w.runOnce()).rejects.toThrow('connection refused');
    w.start();
    await waitUntil(() => errors.length >= 3);
    await w.stop();
    expect(errors[0]).toContain('claiming jobs failed');
  });

  it('stop() with a grace period releases the jobs still running: pending, due, their attempt given back', async () => {
    await enqueueJobs(database.db, [
      { kind: 'card', payload: { n: 1 }, runAt: T },
      { kind: 'card', payload: { n: 2 }, runAt: T },
    ]);
    const held = deferred<JobOutcome>();
    const { worker: w } = worker({
      card: (job) => (job.payload.n === 1 ? Promise.resolve(done) : held.promise),
    });
    w.start();
    await waitUntil(async () => (await jobRows()).some((row) => row.state === 'done'));
    expect(w.status()).toMatchObject({ polling: true, running: 1, lastClaimError: null });

    expect(await w.stop({ graceMs: 50 })).toEqual({ released: 1 });
    expect(w.status().polling).toBe(false);
    const [, released] = await jobRows();
    expect(released).toMatchObject({ state: 'pending', attempts: 0 });
    expect(released!.runAt.getTime()).toBeLessThanOrEqual(Date.now());
    // The abandoned handler finishing late records nothing: the job is the next worker's now.
    held.resolve(done);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await jobRows())[1]).toMatchObject({ state: 'pending', attempts: 0 });
    // The next worker runs it as a first attempt.
    const { worker: next } = worker({ card: async () => done }, { workerId: 'worker-2' });
    expect(await next.runOnce()).toBe(1);
    expect((await jobRows())[1]).toMatchObject({ state: 'done', attempts: 1 });
  });

  it('a released job whose dedupe key has a newer pending job is closed, not duplicated', async () => {
    await enqueueJobs(database.db, [{ kind: 'card', payload: { v: 1 }, dedupeKey: 'card:7', runAt: T }]);
    const held = deferred<JobOutcome>();
    const { worker: w } = worker({ card: () => held.promise });
    const running = w.runOnce();
    await waitUntil(async () => (await jobRows())[0]!.state === 'running');
    // A newer change of the same card is queued while the first sync is in flight.
    expect(
      await enqueueJobs(database.db, [{ kind: 'card', payload: { v: 2 }, dedupeKey: 'card:7', runAt: T }]),
    ).toBe(1);
    expect(await w.stop({ graceMs: 20 })).toEqual({ released: 0 });
    const [first, second] = await jobRows();
    expect(first).toMatchObject({
      state: 'done',
      lastError: expect.stringContaining('released at shutdown'),
    });
    expect(second).toMatchObject({ state: 'pending', attempts: 0 });
    held.resolve(done);
    await running;
  });
});
