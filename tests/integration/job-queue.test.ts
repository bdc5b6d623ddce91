/** The job table: enqueued with the caller's transaction, coalesced by key, claimed once, retried. */
import { sql } from '../../src/db/orm.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { backoffDelayMs, claimJobs, completeJob, enqueueJobs, failJob } from '../../src/jobs/queue.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.destroy());

const states = async () =>
  queryRows<{ id: number; state: string; attempts: number }>(
    database.db,
    sql`select id::int, state, attempts from jobs order by id`,
  );
const T = new Date('2026-12-05T18:00:00Z');

describe('job queue', () => {
  it('a rolled-back transaction enqueues nothing', async () => {
    await expect(
      database.db.transaction(async (tx) => {
        await enqueueJobs(tx, [{ kind: 'k', payload: { a: 1 } }]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await states()).toEqual([]);
  });

  it('coalesces pending jobs with the same key, but not once the first is running', async () => {
    expect(
      await enqueueJobs(database.db, [{ kind: 'card', payload: { v: 1 }, dedupeKey: 'card:1', runAt: T }]),
    ).toBe(1);
    expect(
      await enqueueJobs(database.db, [{ kind: 'card', payload: { v: 2 }, dedupeKey: 'card:1', runAt: T }]),
    ).toBe(0);
    const [claimed] = await claimJobs(database.db, {
      workerId: 'w1',
      kinds: ['card'],
      limit: 10,
      lockSeconds: 30,
      now: T,
    });
    expect(claimed).toMatchObject({ kind: 'card', payload: { v: 1 }, attempts: 1 });
    // While the first runs, a new change must still be sent afterwards.
    expect(
      await enqueueJobs(database.db, [{ kind: 'card', payload: { v: 3 }, dedupeKey: 'card:1', runAt: T }]),
    ).toBe(1);
  });

  it('coalesces jobs with the same key within one call too', async () => {
    const created = await enqueueJobs(database.db, [
      { kind: 'card', payload: { v: 1 }, dedupeKey: 'card:7', runAt: T },
      { kind: 'card', payload: { v: 2 }, dedupeKey: 'card:7', runAt: T },
      { kind: 'mail', payload: { v: 3 }, runAt: T },
    ]);
    expect(created).toBe(2);
    const jobs = await queryRows<{ kind: string; payload: { v: number } }>(
      database.db,
      sql`select kind, payload from jobs order by id`,
    );
    expect(jobs).toEqual([
      { kind: 'card', payload: { v: 1 } },
      { kind: 'mail', payload: { v: 3 } },
    ]);
  });

  it('claims each job once across workers, and again after a lock expires', async () => {
    await enqueueJobs(
      database.db,
      [1, 2, 3].map((n) => ({ kind: 'mail', payload: { n }, runAt: T })),
    );
    const [a, b] = await Promise.all([
      claimJobs(database.db, { workerId: 'a', kinds: ['mail'], limit: 2, lockSeconds: 30, now: T }),
      claimJobs(database.db, { workerId: 'b', kinds: ['mail'], limit: 2, lockSeconds: 30, now: T }),
    ]);
    const ids = [...a!, ...b!].map((job) => job.id).sort();
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(
      await claimJobs(database.db, { workerId: 'c', kinds: ['mail'], limit: 5, lockSeconds: 30, now: T }),
    ).toEqual([]);
    const later = new Date(T.getTime() + 31_000);
    expect(
      await claimJobs(database.db, { workerId: 'c', kinds: ['mail'], limit: 5, lockSeconds: 30, now: later }),
    ).toHaveLength(3);
  });

  it('retries a failed job later, and gives up after its attempts or on a permanent error', async () => {
    await enqueueJobs(database.db, [
      { kind: 'k', payload: {}, runAt: T, maxAttempts: 2 },
      { kind: 'k', payload: {}, runAt: T },
    ]);
    const [first, second] = await claimJobs(database.db, {
      workerId: 'w',
      kinds: ['k'],
      limit: 2,
      lockSeconds: 30,
      now: T,
    });
    await failJob(database.db, first!, 'HTTP 503', new Date(T.getTime() + 2000));
    await failJob(database.db, second!, 'HTTP 403 bot removed', null);
    expect(
      await claimJobs(database.db, { workerId: 'w', kinds: ['k'], limit: 5, lockSeconds: 30, now: T }),
    ).toEqual([]);
    const [retry] = await claimJobs(database.db, {
      workerId: 'w',
      kinds: ['k'],
      limit: 5,
      lockSeconds: 30,
      now: new Date(T.getTime() + 2000),
    });
    expect(retry!.attempts).toBe(2);
    // Out of attempts: failed for good, whatever the retry time says.
    await failJob(database.db, retry!, 'HTTP 503 again', new Date(T.getTime() + 9000));
    expect((await states()).map((s) => s.state)).toEqual(['failed', 'failed']);
  });

  it('ignores the outcome of a worker whose claim was taken over', async () => {
    await enqueueJobs(database.db, [{ kind: 'k', payload: {}, runAt: T }]);
    const [stale] = await claimJobs(database.db, {
      workerId: 'slow',
      kinds: ['k'],
      limit: 1,
      lockSeconds: 30,
      now: T,
    });
    const [current] = await claimJobs(database.db, {
      workerId: 'fast',
      kinds: ['k'],
      limit: 1,
      lockSeconds: 30,
      now: new Date(T.getTime() + 31_000),
    });
    expect(current!.attempts).toBe(2);
    await failJob(database.db, stale!, 'late failure', null);
    expect((await states())[0]).toMatchObject({ state: 'running', attempts: 2 });
    await completeJob(database.db, current!);
    expect((await states())[0]).toMatchObject({ state: 'done' });
  });

  it('backs off exponentially with jitter, capped at five minutes', () => {
    expect(backoffDelayMs(1, () => 1)).toBe(2000);
    expect(backoffDelayMs(1, () => 0)).toBe(1000);
    expect(backoffDelayMs(3, () => 1)).toBe(8000);
    expect(backoffDelayMs(20, () => 1)).toBe(300_000);
  });
});
