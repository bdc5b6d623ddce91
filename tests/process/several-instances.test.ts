/**
 * Two real service processes (`node dist/src/main.js`, the image's command) on one PostgreSQL
 * database share the work: activating an iteration with 60 ready steps sends each step's card
 * exactly once (counted at a test Bot Connector on 127.0.0.1), both instances take part, and a card
 * press works whichever instance receives it. PostgreSQL only: PGlite is one process's database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/db/orm.js';
import { queryRows } from '../../src/db/client.js';
import { cardPress, prepareCutover, type Cutover } from '../support/cutover-scenario.js';
import { TestConnector } from '../support/fake-connector.js';
import { ensureBuilt, startService, type ServiceProcess } from '../support/service-process.js';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/test-database.js';

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
});
