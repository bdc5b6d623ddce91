/**
 * The audit log is append-only in the database, and its hash chain names an edited, deleted or
 * inserted row. Tampering needs the triggers disabled first, as a malicious DBA would.
 */
import { sql } from '../../src/db/orm.js';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendAuditEvent,
  hashAuditEvent,
  hashContentAroundSeq,
  readAuditEvents,
  recordAuditEvent,
} from '../../src/audit/audit-log.js';
import { verifyAuditChain } from '../../src/audit/verify-audit.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
  await database.db.transaction(async (tx) => {
    for (let i = 1; i <= 5; i++) {
      await appendAuditEvent(tx, {
        actor: 'luca.engine@bank.example',
        actorName: 'Luca Engine',
        iteration: 'Run1',
        subject: `TRT-${i}`,
        type: 'step.start',
        details: { from: 'OPEN', to: 'IN_PROGRESS', nested: { b: 2, a: [1, 'x'] } },
        at: new Date(Date.UTC(2026, 11, 5, 18, i, 0, 123)),
      });
    }
  });
});
afterEach(() => database.destroy());

/** Runs `statement` with the append-only triggers disabled, as someone tampering would. */
async function tamper(statement: ReturnType<typeof sql>) {
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`alter table audit_events disable trigger user`);
    await tx.execute(statement);
    await tx.execute(sql`alter table audit_events enable trigger user`);
  });
}

describe('audit log', () => {
  it('verifies an intact chain', async () => {
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, events: 5, problems: [] });
  });

  it('refuses UPDATE, DELETE and TRUNCATE', async () => {
    // drizzle wraps the database error; the trigger's message is its cause.
    const refusal = (operation: string) => (error: unknown) =>
      (error as { cause?: Error }).cause?.message === `audit_events is append-only: ${operation} refused`;
    await expect(
      database.db.execute(sql`update audit_events set actor = 'x' where seq = 2`),
    ).rejects.toSatisfy(refusal('UPDATE'));
    await expect(database.db.execute(sql`delete from audit_events where seq = 2`)).rejects.toSatisfy(
      refusal('DELETE'),
    );
    await expect(database.db.execute(sql`truncate audit_events`)).rejects.toSatisfy(refusal('TRUNCATE'));
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  });

  it('names an edited row', async () => {
    await tamper(sql`update audit_events set details = jsonb_set(details, '{to}', '"DONE"') where seq = 3`);
    const result = await verifyAuditChain(database.db);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      'event 3 (step.start TRT-3 at 2026-12-05T18:03:00.123Z) was altered: its content no longer matches its hash',
    ]);
  });

  it('names a deleted row and a deleted tail', async () => {
    await tamper(sql`delete from audit_events where seq = 2`);
    expect((await verifyAuditChain(database.db)).problems).toEqual([
      'events 2..2 are missing: the sequence jumps to 3 (deleted rows)',
      'event 3 (step.start TRT-3 at 2026-12-05T18:03:00.123Z) does not chain to the event before it (inserted, deleted or reordered rows)',
    ]);
  });

  it('notices the last rows deleted', async () => {
    await tamper(sql`delete from audit_events where seq = 5`);
    expect((await verifyAuditChain(database.db)).problems).toEqual([
      'the chain head records event 5 but the log ends at event 4 (rows deleted at the end, or head altered)',
    ]);
  });

  it("names an inserted row, even one that copies its neighbour's hash", async () => {
    // Make room at 3 (in two moves: the primary key is checked row by row).
    await tamper(sql`update audit_events set seq = seq + 1000 where seq >= 3`);
    await tamper(sql`update audit_events set seq = seq - 999 where seq >= 1003`);
    await tamper(sql`insert into audit_events (seq, at, actor, actor_name, iteration, subject, type, details, prev_hash, hash)
      select 3, at, actor, actor_name, iteration, 'TRT-99', type, details, hash, hash from audit_events where seq = 2`);
    // Renumbering the later events to make room changes their hashed content too.
    expect((await verifyAuditChain(database.db)).problems).toEqual([
      'event 3 (step.start TRT-99 at 2026-12-05T18:02:00.123Z) was altered: its content no longer matches its hash',
      'event 4 (step.start TRT-3 at 2026-12-05T18:03:00.123Z) was altered: its content no longer matches its hash',
      'event 5 (step.start TRT-4 at 2026-12-05T18:04:00.123Z) was altered: its content no longer matches its hash',
      'event 6 (step.start TRT-5 at 2026-12-05T18:05:00.123Z) was altered: its content no longer matches its hash',
      'the chain head records event 5 but the log ends at event 6 (rows deleted at the end, or head altered)',
    ]);
  });

  it('chains events appended at once from many connections, hashed by PostgreSQL as in JS', async () => {
    // Each append is one statement that locks the chain head; none may chain to the same event.
    const odd = { seq: 7, quote: '"seq":0,"subject":"x"', unicode: 'Grüße 🚀 \\ \n', empty: {} };
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? recordAuditEvent(database.db, {
              actor: 'system',
              subject: `TRT-${i}`,
              type: 'card.update',
              details: { i, ...odd },
            })
          : database.db.transaction((tx) =>
              appendAuditEvent(tx, { actor: 'cli', subject: `"seq":${i},`, type: 'step.done', details: {} }),
            ),
      ),
    );
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, events: 45, problems: [] });
    const events: number[] = [];
    for await (const event of readAuditEvents(database.db)) events.push(event.seq);
    expect(events).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
  });
});

describe('hashContentAroundSeq', () => {
  it('splits the hashed text exactly around the sequence number, whatever the content', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(
        fc.record({
          seq: fc.integer({ min: 1, max: 2 ** 40 }),
          at: fc.date({ min: new Date(0), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true }),
          actor: fc.string(),
          actorName: fc.string(),
          iteration: fc.option(fc.string(), { nil: null }),
          subject: fc.string(),
          type: fc.string(),
          details: fc.dictionary(fc.oneof(fc.constant('seq'), fc.string()), json),
          prevHash: fc.string(),
        }),
        (event) => {
          const details = JSON.parse(JSON.stringify(event.details)) as Record<string, unknown>;
          const { before, after } = hashContentAroundSeq({ ...event, details });
          const text = `${event.prevHash}\n${before}${event.seq}${after}`;
          const expected = hashAuditEvent({ ...event, details });
          const actual = createHash('sha256').update(text).digest('hex');
          expect(actual).toBe(expected);
        },
      ),
    );
  });
});
