/**
 * Alerts on a fake clock, with two service instances (two engines and two JobWorkers; on
 * PostgreSQL each with its own connection pool) on one database: each alert is raised once,
 * posted once to the pilots' channel, updated in place when resolved, and a ready step not started
 * also gets a reply in its card's thread. nock at the Bot Connector edge records every call.
 */
import { sql } from '../../src/db/orm.js';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, type Database } from '../../src/db/client.js';
import { ALERT_SCAN_KIND, createAlertScanHandler, scheduleAlertScan } from '../../src/engine/alert-jobs.js';
import { scanAlerts } from '../../src/engine/alert-scan.js';
import { rememberConversation } from '../../src/engine/conversation-links.js';
import { Engine } from '../../src/engine/engine.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { JobWorker } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/logger.js';
import { createAlertJobHandlers } from '../../src/teams/alert-card-jobs.js';
import { describeLate } from '../../src/teams/late-command.js';
import { createTeamsJobHandlers } from '../../src/teams/card-jobs.js';
import { BotConnectorClient } from '../../src/teams/connector/connector-client.js';
import { ConversationRateLimiter } from '../../src/teams/connector/rate-limiter.js';
import { PEOPLE, smallDirectory, smallPlan } from '../support/small-plan.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const SERVICE = 'https://smba.trafficmanager.net';
const ENGINE_CHANNEL = '19:engine-thread@thread.tacv2';
const PILOTS_CHANNEL = '19:pilots-thread@thread.tacv2';
const SETTINGS = { overrunGraceMinutes: 5, readyGraceMinutes: 15, chapterGraceMinutes: 0 };
// Run1's Extraction is planned 18:00 → 02:00 Europe/Zurich, that is 17:00Z → 01:00Z.
const T0 = new Date('2026-12-05T23:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

interface Sent {
  method: string;
  path: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

let database: TestDatabase;
let second: Database;
let clock = T0;
const sent: Sent[] = [];
const instances: { engine: Engine; worker: JobWorker }[] = [];

function instance(db: Database, id: string) {
  const logger = createLogger('silent');
  const engine = new Engine({ database: db, directory: smallDirectory(), clock: () => clock });
  const connector = new BotConnectorClient({
    getToken: async () => null,
    limiter: new ConversationRateLimiter(),
    maxAttempts: 1,
  });
  const deps = { engine, connector, logger, clock: () => clock, workerId: id };
  const teams = createTeamsJobHandlers(deps);
  const worker = new JobWorker({
    database: db,
    workerId: id,
    handlers: {
      ...teams.handlers,
      ...createAlertJobHandlers(deps),
      [ALERT_SCAN_KIND]: createAlertScanHandler({
        engine,
        settings: SETTINGS,
        intervalSeconds: 60,
        clock: () => clock,
      }),
    },
    batchHandlers: teams.batchHandlers,
    clock: () => clock,
  });
  return { engine, worker };
}

/** Both instances poll at once until no job is due. */
async function drain(): Promise<void> {
  for (;;) {
    const ran = await Promise.all(instances.map((i) => i.worker.runOnce()));
    if (ran.every((n) => n === 0)) return;
  }
}

const engineA = () => instances[0]!.engine;
const act = async (
  action: 'start' | 'fail' | 'retry' | 'done',
  person: keyof typeof PEOPLE,
  reason?: string,
  force = false,
) => {
  const result = await engineA().execute({
    action,
    subject: 'TRT-1',
    actor: { aadObjectId: PEOPLE[person].aadObjectId },
    reason,
    force,
    source: 'teams',
  });
  expect(result.outcome, result.message).toBe('applied');
};

/** The alert cards and thread replies sent since the last call, as short descriptions. */
function alertTraffic(): string[] {
  const out = sent
    .splice(0)
    .filter((s) => s.path.includes(PILOTS_CHANNEL) || s.path.includes(';messageid='))
    .flatMap((s) => {
      const card = s.body.attachments?.[0]?.content;
      const title = card?.body?.find((b: { weight?: string }) => b.weight === 'Bolder')?.text as
        string | undefined;
      if (s.path.includes(';messageid=')) return [`reply ${s.body.text as string}`];
      if (!title) return []; // a pilots' status notice
      const message = card.body.find(
        (b: { text?: string; weight?: string; size?: string }) => b.text && !b.weight && !b.size,
      )?.text;
      return [`${s.method} ${title}: ${message as string}`];
    });
  return out;
}

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  // nock 15 hands a reply function the fetch Request.
  const record = (method: string) => async (request: Request) => {
    const text = await request.text();
    sent.push({ method, path: decodeURIComponent(new URL(request.url).pathname), body: JSON.parse(text) });
    return [200, { id: `activity-${sent.length}` }] as [number, object];
  };
  nock(SERVICE).persist().post(/.*/).reply(record('POST')).put(/.*/).reply(record('PUT'));

  database = await createTestDatabase();
  // A second service instance: its own connection pool on PostgreSQL (PGlite serves one process).
  second = database.url
    ? await openDatabase({ databaseUrl: database.url, dataDir: '', poolMax: 3 })
    : database;
  instances.push(instance(database, 'instance-a'), instance(second, 'instance-b'));
  await storePlan(database, smallPlan(), { actor: 'test', source: 'small-plan' });
  for (const [conversationId, purpose] of [
    [ENGINE_CHANNEL, 'team'],
    [PILOTS_CHANNEL, 'pilots'],
  ] as const) {
    await rememberConversation(database.db, {
      conversationId,
      serviceUrl: `${SERVICE}/emea/`,
      tenantId: 'tenant-1',
      reference: {},
    });
    await database.db.execute(
      sql`update conversation_refs set purpose = ${purpose},
            team_id = (select id from teams where name = 'Engine' and ${purpose} = 'team')
          where conversation_id = ${conversationId}`,
    );
  }
  const activation = await engineA().execute({
    action: 'activate',
    subject: 'Run1',
    actor: { aadObjectId: PEOPLE.pilot.aadObjectId },
    source: 'teams',
  });
  expect(activation.outcome).toBe('applied');
  await drain();
  // TRT-1's card is up in the Engine channel.
  expect(sent.splice(0).map((s) => `${s.method} ${s.path}`)).toEqual([
    `POST /emea/v3/conversations/${ENGINE_CHANNEL}/activities`,
  ]);
});

afterAll(async () => {
  await Promise.all(instances.map((i) => i.worker.stop()));
  if (second !== database) await second.close();
  await database?.destroy();
  nock.cleanAll();
  nock.enableNetConnect();
});

const openAlerts = () =>
  queryRows<{ cause_key: string; resolved: boolean }>(
    database.db,
    sql`select cause_key, resolved_at is not null as resolved from alerts order by id`,
  );

describe('alerts on the job queue', () => {
  it('raises nothing while every cause is within its grace', async () => {
    clock = at(14);
    await scheduleAlertScan(database, clock);
    await scheduleAlertScan(second, clock); // the other instance starting: still one scan pending
    const [pending] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from jobs where kind = ${ALERT_SCAN_KIND} and state = 'pending'`,
    );
    expect(pending!.n).toBe(1);
    await drain();
    expect(await openAlerts()).toEqual([]);
    expect(alertTraffic()).toEqual([]);
  });

  it('raises a ready step not started once, even when both instances scan at the same moment', async () => {
    clock = at(20);
    const results = await Promise.all(instances.map((i) => scanAlerts(i.engine, SETTINGS, clock)));
    expect(results.flatMap((r) => r.raised)).toEqual(['ready-idle:TRT-1:2026-12-05T23:00:00.000Z']);
    // The periodic job then finds nothing new.
    clock = at(21);
    await drain();
    expect(await openAlerts()).toEqual([
      { cause_key: 'ready-idle:TRT-1:2026-12-05T23:00:00.000Z', resolved: false },
    ]);
    expect(alertTraffic().sort()).toEqual([
      'POST ⚠️ Ready step not started: TRT-1 has been ready for 20 min and is not started',
      'reply ⏰ TRT-1 has been ready for 20 min and is not started. The pilots have been alerted.',
    ]);
    const [card] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from alert_posts`,
    );
    expect(card!.n).toBe(1);
  });

  it('links the alert to the step card and resolves it in place once the step starts', async () => {
    const [post] = await queryRows<{ details: { conversation: string } }>(
      database.db,
      sql`select details from audit_events where type = 'alert.post'`,
    );
    expect(post!.details.conversation).toBe(PILOTS_CHANNEL);
    await act('start', 'engine');
    clock = at(22);
    await drain();
    expect(alertTraffic()).toEqual([
      'PUT ✅ Resolved Ready step not started: TRT-1 has been ready for 20 min and is not started',
    ]);
    expect(await openAlerts()).toEqual([
      { cause_key: 'ready-idle:TRT-1:2026-12-05T23:00:00.000Z', resolved: true },
    ]);
  });

  it('raises a step running past its duration plus grace, and the card says late by', async () => {
    clock = at(56); // started at +21, 30 min planned, 5 min grace
    await drain();
    expect(alertTraffic()).toEqual([]);
    clock = at(58);
    await drain();
    const step = sent.find((s) => s.path.includes(ENGINE_CHANNEL));
    expect(JSON.stringify(step?.body)).toContain('late by 7 min');
    expect(alertTraffic()).toEqual(['POST ⚠️ Step late: TRT-1 is late by 7 min (planned 30 min)']);
    // Running since 23:21Z with 30 min planned: may end any moment (now, 23:58Z), then TRT-3 and TRT-4.
    expect((await describeLate(engineA(), clock)).split('\n\n')).toEqual([
      '**Late in Run1**',
      'TRT-1 · Engine · late by 7 min (planned 30) · Step TRT-1',
      'Forecast: Run1 ends 2026-12-06 01:58 CET (planned 2026-12-06 02:00 CET); critical path TRT-1 → TRT-3 → TRT-4.',
    ]);
  });

  it('on failure: resolves the overrun, raises the failure and the chapter forecast past its plan', async () => {
    clock = at(59);
    await act('fail', 'engine', 'disk full');
    clock = at(60);
    await drain();
    // TRT-1 retried from now (30) then TRT-3 (30) and TRT-4 (30): 01:30Z, past the planned 01:00Z.
    expect(alertTraffic().sort()).toEqual([
      'POST ⚠️ Chapter will miss its planned end: Chapter Extraction is forecast to end 30 min after its planned end',
      'POST ⚠️ Step failed: TRT-1 failed',
      'PUT ✅ Resolved Step late: TRT-1 is late by 7 min (planned 30 min)',
    ]);
    expect(await describeLate(engineA(), clock)).toBe(
      [
        '**Late in Run1**',
        '⚠️ TRT-1 failed · since 2026-12-06 01:00 CET',
        '⚠️ Chapter Extraction is forecast to end 30 min after its planned end · since 2026-12-06 01:00 CET',
        'Forecast: Run1 ends 2026-12-06 02:30 CET (planned 2026-12-06 02:00 CET); critical path TRT-1 → TRT-3 → TRT-4.',
      ].join('\n\n'),
    );
  });

  it('resolves the failure once the step is done, and the chapter once its forecast is back in plan', async () => {
    await act('retry', 'engine');
    await act('done', 'pilot', undefined, true); // its tasks are not done: a pilot forces it
    // TRT-3 and TRT-4 from now would still end at 01:01Z; the pilots drop TRT-4 from this run.
    const cancel = await engineA().execute({
      action: 'cancel',
      subject: 'TRT-4',
      actor: { aadObjectId: PEOPLE.pilot.aadObjectId },
      reason: 'not needed in Run1',
      source: 'teams',
    });
    expect(cancel.outcome, cancel.message).toBe('applied');
    clock = at(61);
    await drain();
    expect(alertTraffic().sort()).toEqual([
      'PUT ✅ Resolved Chapter will miss its planned end: Chapter Extraction is forecast to end 30 min after its planned end',
      'PUT ✅ Resolved Step failed: TRT-1 failed',
    ]);
    const events = await queryRows<{ type: string; n: number }>(
      database.db,
      sql`select type, count(*)::int as n from audit_events where type like 'alert.%' group by type order by type`,
    );
    expect(events).toEqual([
      { type: 'alert.post', n: 4 },
      { type: 'alert.raise', n: 4 },
      { type: 'alert.reply', n: 1 },
      { type: 'alert.resolve', n: 4 },
      { type: 'alert.update', n: 4 },
    ]);
  });

  it('raises a mail that could not be delivered: a status digest that used up its attempts', async () => {
    clock = at(62);
    await database.db.execute(
      sql`insert into jobs (kind, payload, dedupe_key, state, attempts, last_error, finished_at)
          values ('mail.status-digest', ${JSON.stringify({ recipient: 'leo@bank.example' })}::jsonb,
                  'mail.status-digest:leo@bank.example', 'failed', 10, 'Graph 403 ErrorAccessDenied',
                  ${clock.toISOString()}::timestamptz)`,
    );
    const result = await scanAlerts(engineA(), SETTINGS, clock);
    expect(result.raised).toHaveLength(1);
    expect(result.raised[0]).toMatch(/^delivery-failed:\d+$/);
  });
});
