/**
 * Status-change emails: every step status change reaches the pilots and (comms live) the team's
 * members, one mail per recipient for the changes that land within the batch window; comms test
 * mails the pilots only, comms off nothing. The worker runs against a clock the test moves.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { sql } from '../../src/db/orm.js';
import { Engine } from '../../src/engine/engine.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { JobWorker } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/logger.js';
import { cardOfMailDocument, composeMailDocument } from '../../src/mail/compose-mail.js';
import { LocalOutboxTransport } from '../../src/mail/local-outbox-transport.js';
import { createMailJobHandlers } from '../../src/mail/mail-jobs.js';
import { readOutboxMail } from '../../src/teams/dev/dev-outbox.js';
import { RecordingTransport } from '../support/recording-transport.js';
import { PEOPLE, smallDirectory, smallPlan } from '../support/small-plan.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let engine: Engine;
let worker: JobWorker;
let clock = new Date('2026-12-05T18:30:00Z');
const transport = new RecordingTransport('req');
const later = (seconds: number) => (clock = new Date(clock.getTime() + seconds * 1000));

beforeAll(async () => {
  database = await createTestDatabase();
  await storePlan(database, smallPlan(), { actor: 'test', source: 'small-plan' });
  engine = new Engine({ database, directory: smallDirectory(), clock: () => clock });
  worker = new JobWorker({
    database,
    workerId: 'test',
    handlers: createMailJobHandlers({
      engine,
      transport,
      logger: createLogger('silent'),
      clock: () => clock,
      from: 'cutover@bank.example',
      actionableOriginator: undefined,
      batchSeconds: 120,
    }),
    clock: () => clock,
  });
  await engine.execute({
    action: 'activate',
    subject: 'Run1',
    actor: { email: PEOPLE.pilot.email },
    source: 'cli',
  });
});
afterAll(async () => {
  await database?.destroy();
});

const act = (who: keyof typeof PEOPLE, action: 'start' | 'done' | 'hold' | 'resume', subject: string) =>
  engine.execute({ action, subject, actor: { email: PEOPLE[who].email }, source: 'cli', force: true });

/** Runs the worker until nothing due is left. */
async function drain(): Promise<void> {
  while ((await worker.runOnce()) > 0);
}

describe('status-change emails', () => {
  it('comms test: the pilots only, one mail for the changes within the window', async () => {
    expect((await act('engine', 'start', 'TRT-1')).outcome).toBe('applied');
    await drain(); // the window opens when the first change is queued for its recipients
    later(30);
    expect((await act('pilot', 'hold', 'TRT-1')).outcome).toBe('applied');
    await drain();
    expect(transport.sent).toEqual([]); // the window is still open
    later(89);
    await drain();
    expect(transport.sent).toEqual([]);
    later(2); // 121 s after the first change
    await drain();
    expect(transport.sent).toHaveLength(1);
    const mail = transport.sent[0]!;
    expect({ ...mail, html: undefined }).toEqual({
      from: 'cutover@bank.example',
      to: ['claire.pilot@bank.example'],
      cc: [],
      subject: '[TEST] [Runsheet] Run1: 2 status changes',
      html: undefined,
    });
    expect(mail.html).toContain('<p>Hello Claire Pilot,</p>');
    expect(mail.html).toMatch(
      /2026-12-05 19:30 CET · <strong>TRT-1 started by Luca Engine<\/strong> · Step TRT-1<\/li><li>2026-12-05 19:30 CET · <strong>TRT-1 on hold by Claire Pilot<\/strong>/,
    );
    expect(mail.html).toContain('TEST · Run1 runs with comms in test mode: only the pilots get these mails.');
    expect(cardOfMailDocument(mail.html)).toBeNull();
    const [sent] = await queryRows<{ details: { changes: number[]; requestId: string } }>(
      database.db,
      sql`select details from audit_events where type = 'mail.sent'`,
    );
    expect(sent!.details).toMatchObject({
      kind: 'status-change',
      requestId: 'req-1',
      to: ['claire.pilot@bank.example'],
    });
    expect(sent!.details.changes).toHaveLength(2);
  });

  it('comms live: the pilots and the team, each their own mail; a change after the mail starts a new window', async () => {
    await database.db.execute(sql`update iterations set comms = 'live' where name = 'Run1'`);
    transport.sent.length = 0;
    await act('pilot', 'resume', 'TRT-1');
    await drain();
    later(121);
    await drain();
    expect(transport.sent.map((m) => m.to[0]).sort()).toEqual([
      'anna.engine@bank.example',
      'claire.pilot@bank.example',
      'luca.engine@bank.example',
    ]);
    expect(new Set(transport.sent.map((m) => m.subject))).toEqual(
      new Set(['[Runsheet] Run1: TRT-1 resumed by Claire Pilot']),
    );
    expect(transport.sent.some((m) => m.html.includes('TEST ·'))).toBe(false);
    const luca = transport.sent.find((m) => m.to[0] === 'luca.engine@bank.example')!;
    expect(luca.html).toContain('<p>Hello Luca Engine,</p>');
  });

  it('comms off: nothing', async () => {
    await database.db.execute(sql`update iterations set comms = 'off' where name = 'Run1'`);
    transport.sent.length = 0;
    await act('engine', 'done', 'TRT-1');
    await drain();
    later(300);
    await drain();
    expect(transport.sent).toEqual([]);
    const pending = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from mail_digest_entries where sent_at is null`,
    );
    expect(pending).toEqual([{ n: 0 }]);
  });
});

describe('the local outbox', () => {
  it('writes an RFC 5322 .eml file with the headers, the HTML part and the card a mail reader finds', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'runsheet-outbox-'));
    const outbox = new LocalOutboxTransport(folder, () => new Date('2026-12-05T18:31:00Z'));
    const card = {
      type: 'AdaptiveCard' as const,
      version: '1.4',
      body: [{ type: 'TextBlock', text: 'Ünïcode </script>' }],
    };
    const html = composeMailDocument({ bodyHtml: '<p>Grüezi <b>Engine</b></p>', card, testBanner: null });
    const { requestId } = await outbox.send({
      from: 'cutover@bank.example',
      to: ['luca.engine@bank.example', 'anna.engine@bank.example'],
      cc: ['claire.pilot@bank.example'],
      subject: '[Runsheet] Run1 · TRT-1 — Ünïcode',
      html,
    });
    const file = requestId!;
    expect(file).toMatch(/^2026-12-05T18-31-00-000Z-[0-9a-f]{8}\.eml$/);
    expect(fs.readdirSync(folder)).toEqual([file]);
    const raw = fs.readFileSync(path.join(folder, file), 'utf8');
    expect(raw).toMatch(/^From: cutover@bank\.example$/m);
    expect(raw).toMatch(/^To: luca\.engine@bank\.example, anna\.engine@bank\.example$/m);
    expect(raw).toMatch(/^Cc: claire\.pilot@bank\.example$/m);
    expect(raw).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(raw).toMatch(/^Date: Sat, 05 Dec 2026 18:31:00 \+0000$/m);
    expect(raw).toMatch(/^MIME-Version: 1\.0$/m);
    expect(raw).toMatch(/^Content-Type: text\/html; charset=utf-8$/m);
    expect(raw).toMatch(/^Message-ID: <.+@runsheet\.local>$/m);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('[Runsheet] Run1 · TRT-1 — Ünïcode');
    expect(parsed.html).toBe(html);
    const read = await readOutboxMail(folder, file);
    expect(read).toMatchObject({
      id: file,
      from: 'cutover@bank.example',
      to: ['luca.engine@bank.example', 'anna.engine@bank.example'],
      cc: ['claire.pilot@bank.example'],
      card,
    });
    fs.rmSync(folder, { recursive: true, force: true });
  });
});
