/**
 * Two real service processes (`node dist/src/main.js`, the image's command) on one PostgreSQL
 * database share the work: activating an iteration with 60 ready steps sends each step's card
 * exactly once (counted at a test Bot Connector on 127.0.0.1), both instances take part, a card
 * press works whichever instance receives it, and every open tab, on either instance, receives every
 * change (card presses and tab actions on both instances, CLI commands) in audit order within a
 * second of its commit. PostgreSQL only: PGlite is one process's database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/db/orm.js';
import { queryRows } from '../../src/db/client.js';
import { latestAuditSeq } from '../../src/tab/live-events.js';
import { LOCAL_USER_HEADER } from '../../src/tab/tab-auth.js';
import { cardPress, memberOf, PILOT, prepareCutover, type Cutover } from '../support/cutover-scenario.js';
import { TestConnector } from '../support/fake-connector.js';
import { runCliCaptured } from '../support/run-cli.js';
import { ensureBuilt, startService, type ServiceProcess } from '../support/service-process.js';
import { openSseStream, type SseStream } from '../support/sse-stream.js';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/test-database.js';

/** A member of `team` takes `action` on `step`, seen as `seen`, through `instance`. */
type Change = (
  instance: ServiceProcess,
  team: string,
  step: string,
  action: string,
  seen: string,
) => Promise<void>;

const TEAMS = ['Engine', 'Dba', 'Payments', 'Custody'];
/**
 * 60 cards: more than one worker runs at once (50), each held 1.5 s by the connector, so the
 * second instance, polling every 0.5 s, finds due jobs left whichever instance claims first.
 */
const STEPS_PER_TEAM = 15;
const CONNECTOR_DELAY_MS = 1_500;

if (!onPostgres()) {
  console.log(
    'several-instances.test.ts skipped: two service processes need a shared PostgreSQL database ' +
      '(DATABASE_URL); the embedded PGlite database belongs to one process.',
  );
}

describe.skipIf(!onPostgres())('two service instances on one PostgreSQL database', () => {
  let database: TestDatabase;
  let connector: TestConnector;
  let serviceUrl: string;
  let cutover: Cutover;
  let tmp: string;
  const instances: ServiceProcess[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runsheet-instances-'));
    database = await createTestDatabase();
    connector = new TestConnector();
    serviceUrl = await connector.start();
    cutover = await prepareCutover(database, {
      teams: TEAMS,
      stepsPerTeam: STEPS_PER_TEAM,
      serviceUrl,
      dir: tmp,
    });
    for (const name of ['a', 'b']) {
      instances.push(
        await startService({
          DATABASE_URL: database.url!,
          RUNSHEET_DIRECTORY: cutover.directoryFile,
          RUNSHEET_DATA_DIR: path.join(tmp, name),
          RUNSHEET_INSTANCES: '2',
          RUNSHEET_DB_POOL_MAX: '4',
        }),
      );
    }
    await Promise.all(instances.map((instance) => instance.ready()));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await connector?.close();
    await database?.destroy();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('sends every card exactly once, with both instances taking part', { timeout: 150_000 }, async () => {
    connector.delayMs = CONNECTOR_DELAY_MS;
    await cutover.activate();
    await connector.until(
      (calls) => new Set(calls.map((call) => call.step)).size >= cutover.stepIds.length,
      90_000,
    );
    // Let any duplicate arrive: every job must be finished before counting.
    for (let waited = 0; waited < 30_000; waited += 250) {
      const [open] = await queryRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from jobs where kind = 'step-card.sync' and state <> 'done'`,
      );
      if (open!.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const posts = connector.postsByStep();
    expect([...posts.keys()].sort()).toEqual([...cutover.stepIds].sort());
    expect([...posts.values()].every((count) => count === 1)).toBe(true);
    const jobs = await queryRows<{ state: string; attempts: number; n: number }>(
      database.db,
      sql`select state, attempts, count(*)::int as n from jobs where kind = 'step-card.sync' group by state, attempts`,
    );
    expect(jobs).toEqual([{ state: 'done', attempts: 1, n: cutover.stepIds.length }]);
    const [cards] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from posted_cards`,
    );
    expect(cards!.n).toBe(cutover.stepIds.length);

    const ran = await Promise.all(
      instances.map((instance) =>
        instance.metric('runsheet_job_runs_total{kind="step-card.sync",outcome="done"}'),
      ),
    );
    expect(ran[0]! + ran[1]!).toBe(cutover.stepIds.length);
    expect(ran[0]).toBeGreaterThan(0);
    expect(ran[1]).toBeGreaterThan(0);
  });

  it('a card press works on either instance, and the card is updated once', { timeout: 60_000 }, async () => {
    connector.delayMs = 0;
    const presses = [
      { instance: instances[0]!, team: 'Engine', step: 'TRT-1001' },
      { instance: instances[1]!, team: 'Dba', step: `TRT-${1001 + STEPS_PER_TEAM}` },
    ];
    for (const { instance, team, step } of presses) {
      const response = await fetch(`${instance.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(cardPress(team, step, 'step.start', 'OPEN', serviceUrl)),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { statusCode: number; value: object };
      expect(body.statusCode).toBe(200);
      expect(JSON.stringify(body.value)).toContain(`${step} started by ${team} Member`);
    }
    const states = await queryRows<{ key: string; status: string }>(
      database.db,
      sql`select s.key, st.status from step_states st join steps s on s.id = st.step_id
          where st.status <> 'OPEN' order by s.key`,
    );
    expect(states).toEqual(presses.map(({ step }) => ({ key: step, status: 'IN_PROGRESS' })));
    // The shared card in the channel is updated in place by one instance's worker.
    await connector.until(
      (calls) =>
        presses.every(({ step }) => calls.some((call) => call.method === 'PUT' && call.step === step)),
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const { step } of presses)
      expect(connector.calls.filter((call) => call.method === 'PUT' && call.step === step)).toHaveLength(1);
  });

  it(
    'every tab, on either instance, receives every change in audit order within a second of commit',
    { timeout: 60_000 },
    async () => {
      connector.delayMs = 0;
      const [a, b] = [instances[0]!, instances[1]!];
      for (const instance of instances) {
        const response = await fetch(`${instance.url}/readyz`);
        const readiness = (await response.json()) as { ready: boolean; checks: Record<string, object> };
        expect(response.status, JSON.stringify(readiness)).toBe(200);
        expect(readiness).toMatchObject({
          ready: true,
          draining: false,
          checks: { database: { ok: true }, migrations: { ok: true }, jobWorker: { ok: true } },
        });
      }

      const before = await latestAuditSeq(database);
      const openTab = (instance: ServiceProcess, email: string) =>
        openSseStream(`${instance.url}/tab/api/events`, { [LOCAL_USER_HEADER]: email });
      // Two tabs on A and one on B, so each instance's gauge shows its own streams, not a total.
      const tabs: SseStream[] = [];
      try {
        tabs.push(await openTab(a, PILOT.email), await openTab(a, memberOf('Payments').email));
        tabs.push(await openTab(b, memberOf('Custody').email));
        expect(await a.metric('runsheet_sse_clients')).toBe(2);
        expect(await b.metric('runsheet_sse_clients')).toBe(1);

        const press: Change = async (instance, team, step, action, seen) => {
          const response = await fetch(`${instance.url}/api/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(cardPress(team, step, `step.${action}`, seen, serviceUrl)),
          });
          expect(response.status).toBe(200);
          expect(((await response.json()) as { statusCode: number }).statusCode).toBe(200);
        };
        const tabAction: Change = async (instance, team, step, action, seen) => {
          const response = await fetch(`${instance.url}/tab/api/steps/${step}/actions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', [LOCAL_USER_HEADER]: memberOf(team).email },
            body: JSON.stringify({ action, seen }),
          });
          const result = (await response.json()) as { outcome: string };
          expect(response.status).toBe(200);
          expect(result.outcome, JSON.stringify(result)).toBe('applied');
        };
        const cli = async (team: string, step: string, action: string) => {
          const env = {
            DATABASE_URL: database.url!,
            RUNSHEET_DIRECTORY: cutover.directoryFile,
            RUNSHEET_DATA_DIR: path.join(tmp, 'cli'),
            LOG_LEVEL: 'silent',
          };
          const result = await runCliCaptured(env, ['act', action, step, '--as', memberOf(team).email]);
          expect(result.code, result.err).toBe(0);
        };

        // One change at a time through each door, then a burst of concurrent ones on both instances.
        await press(a, 'Payments', 'TRT-1031', 'start', 'OPEN');
        await cli('Custody', 'TRT-1046', 'start');
        await press(b, 'Custody', 'TRT-1047', 'start', 'OPEN');
        await tabAction(b, 'Payments', 'TRT-1032', 'start', 'OPEN');
        await Promise.all([
          press(a, 'Payments', 'TRT-1031', 'done', 'IN_PROGRESS'),
          tabAction(b, 'Custody', 'TRT-1046', 'done', 'IN_PROGRESS'),
          cli('Custody', 'TRT-1047', 'done'),
          tabAction(a, 'Payments', 'TRT-1032', 'done', 'IN_PROGRESS'),
          press(b, 'Payments', 'TRT-1033', 'start', 'OPEN'),
        ]);

        const committed = (
          await queryRows<{ seq: number | string; subject: string; type: string }>(
            database.db,
            sql`select seq, subject, type from audit_events where seq > ${before} order by seq`,
          )
        ).map((row) => ({ seq: Number(row.seq), change: `${row.type} ${row.subject}` }));
        expect(committed.map(({ change }) => change)).toEqual(
          expect.arrayContaining([
            'step.start TRT-1031',
            'step.start TRT-1046',
            'step.start TRT-1047',
            'step.start TRT-1032',
            'step.done TRT-1031',
            'step.done TRT-1046',
            'step.done TRT-1047',
            'step.done TRT-1032',
            'step.start TRT-1033',
          ]),
        );
        const last = committed.at(-1)!.seq;
        for (const tab of tabs) {
          await tab.until((frames) => frames.some((frame) => frame.data.seq >= last));
          expect(
            tab.frames.every((frame) => frame.event === 'change' && frame.id === String(frame.data.seq)),
          ).toBe(true);
          const seqs = tab.frames.map((frame) => frame.data.seq as number);
          expect(seqs, 'in order, each once').toEqual([...new Set(seqs)].sort((x, y) => x - y));
          expect(seqs.filter((seq) => seq > before && seq <= last)).toEqual(committed.map(({ seq }) => seq));
          // `at` is taken before the insert, so this is an upper bound of the time from commit.
          const slowest = Math.max(
            ...tab.frames.map((frame) => frame.receivedAt - Date.parse(frame.data.at as string)),
          );
          expect(slowest, 'milliseconds from the change to its arrival').toBeLessThan(1_000);
        }

        // A page whose instance goes away reconnects to the other one with Last-Event-ID: the
        // change it missed meanwhile is replayed there, then the stream goes on live.
        const leaving = tabs[1]!;
        const lastSeen = String(leaving.frames.at(-1)!.id);
        leaving.close();
        await press(a, 'Payments', 'TRT-1033', 'done', 'IN_PROGRESS');
        const resumed = await openSseStream(`${b.url}/tab/api/events`, {
          [LOCAL_USER_HEADER]: memberOf('Payments').email,
          'last-event-id': lastSeen,
        });
        tabs.push(resumed);
        await press(b, 'Payments', 'TRT-1034', 'start', 'OPEN');
        await resumed.until((frames) => frames.some((frame) => frame.data.subject === 'TRT-1034'));
        const since = await queryRows<{ seq: number | string; subject: string }>(
          database.db,
          sql`select seq, subject from audit_events where seq > ${Number(lastSeen)} order by seq`,
        );
        expect(since.map((row) => row.subject)).toEqual(expect.arrayContaining(['TRT-1033', 'TRT-1034']));
        expect(resumed.frames.map((frame) => frame.data.seq)).toEqual(since.map((row) => Number(row.seq)));
      } finally {
        for (const tab of tabs) tab.close();
      }
      // A closed tab leaves its instance's gauge.
      for (let waited = 0; waited < 5_000; waited += 100) {
        const open = await Promise.all(instances.map((instance) => instance.metric('runsheet_sse_clients')));
        if (open.every((count) => count === 0)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await a.metric('runsheet_sse_clients')).toBe(0);
      expect(await b.metric('runsheet_sse_clients')).toBe(0);
    },
  );
});
