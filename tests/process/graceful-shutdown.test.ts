/**
 * SIGTERM with jobs in flight, on the real service process (`node dist/src/main.js`): it drains
 * (/readyz 503), lets the jobs finish within the grace period, exits 0, and after a restart no
 * card is sent again. Jobs that outlast the grace period are released with their attempt given
 * back and run after the restart. On PGlite the test reads the database only while no service runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/db/orm.js';
import { openPglite, queryRows, type Database } from '../../src/db/client.js';
import { prepareCutover, type Cutover } from '../support/cutover-scenario.js';
import { TestConnector } from '../support/fake-connector.js';
import { ensureBuilt, startService, type ServiceProcess } from '../support/service-process.js';
import { createTestDatabase, onPostgres } from '../support/test-database.js';

interface Scenario {
  connector: TestConnector;
  cutover: Cutover;
  env: Record<string, string>;
  /** Runs `read` on the database (on PGlite: opens it, so only while no service runs). */
  query<T>(read: (database: Database) => Promise<T>): Promise<T>;
  cleanUp(): Promise<void>;
}

async function scenario(steps: number): Promise<Scenario> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runsheet-shutdown-'));
  const connector = new TestConnector();
  const serviceUrl = await connector.start();
  const env: Record<string, string> = { RUNSHEET_DATA_DIR: path.join(tmp, 'data') };
  let query: Scenario['query'];
  let destroy: () => Promise<void>;
  let cutover: Cutover;
  if (onPostgres()) {
    const database = await createTestDatabase();
    env.DATABASE_URL = database.url!;
    cutover = await prepareCutover(database, {
      teams: ['Engine'],
      stepsPerTeam: steps,
      serviceUrl,
      dir: tmp,
    });
    await cutover.activate();
    query = (read) => read(database);
    destroy = () => database.destroy();
  } else {
    const open = async () => {
      const database = await openPglite(path.join(env.RUNSHEET_DATA_DIR!, 'pglite'));
      await database.migrate();
      return database;
    };
    const database = await open();
    cutover = await prepareCutover(database, {
      teams: ['Engine'],
      stepsPerTeam: steps,
      serviceUrl,
      dir: tmp,
    });
    await cutover.activate();
    await database.close();
    query = async (read) => {
      const reader = await open();
      try {
        return await read(reader);
      } finally {
        await reader.close();
      }
    };
    destroy = async () => undefined;
  }
  env.RUNSHEET_DIRECTORY = cutover.directoryFile;
  return {
    connector,
    cutover,
    env,
    query,
    async cleanUp() {
      await connector.close();
      await destroy();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

const cardJobs = (database: Database) =>
  queryRows<{ state: string; attempts: number; n: number }>(
    database.db,
    sql`select state, attempts, count(*)::int as n from jobs where kind = 'step-card.sync'
        group by state, attempts order by state, attempts`,
  );

/** Starts the service with `grace` seconds of shutdown grace and waits until `inFlight` card posts are held by the connector. */
async function startWithCardsInFlight(
  current: Scenario,
  grace: string,
  inFlight: number,
): Promise<ServiceProcess> {
  const service = await startService({ ...current.env, RUNSHEET_SHUTDOWN_GRACE_SECONDS: grace });
  await service.ready();
  await current.connector.until((calls) => calls.length >= inFlight);
  expect(current.connector.answered).toBe(0);
  return service;
}

describe('graceful shutdown of the service process', () => {
  let current: Scenario | undefined;
  let service: ServiceProcess | undefined;

  beforeAll(() => ensureBuilt(), 180_000);
  afterEach(async () => {
    await service?.stop('SIGKILL');
    await current?.cleanUp();
  });

  it(
    'finishes the jobs in flight, exits 0, and sends nothing twice after a restart',
    { timeout: 120_000 },
    async () => {
      current = await scenario(3);
      const { connector, cutover, env } = current;
      connector.delayMs = 2_500;
      service = await startWithCardsInFlight(current, '30', 3);

      const exited = service.stop('SIGTERM');
      await service.waitForLog((line) => line.msg === 'stopping: draining');
      const readiness = await fetch(`${service.url}/readyz`);
      expect(readiness.status).toBe(503);
      expect(await readiness.json()).toMatchObject({ ready: false, draining: true });
      expect(await exited).toBe(0);
      expect(connector.answered).toBe(3);
      // The card jobs; the periodic alert scan also runs and logs its own `job done`.
      expect(
        service.logs.filter((line) => line.msg === 'job done' && line.kind === 'step-card.sync'),
      ).toHaveLength(3);
      expect(service.logs.find((line) => line.msg === 'job worker stopped')).toMatchObject({ released: 0 });
      expect(await current.query(cardJobs)).toEqual([{ state: 'done', attempts: 1, n: 3 }]);

      connector.delayMs = 0;
      service = await startService({ ...env });
      await service.ready();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await service.stop('SIGTERM')).toBe(0);
      expect([...connector.postsByStep().entries()].sort()).toEqual(cutover.stepIds.map((step) => [step, 1]));
    },
  );

  it(
    'releases jobs that outlast the grace period without spending an attempt; the restart runs them',
    { timeout: 120_000 },
    async () => {
      current = await scenario(2);
      const { connector, cutover, env } = current;
      connector.delayMs = 10_000;
      service = await startWithCardsInFlight(current, '1', 2);
      expect(await service.stop('SIGTERM')).toBe(0);
      expect(connector.answered).toBe(0);
      expect(service.logs.find((line) => line.msg === 'jobs released at shutdown')).toMatchObject({
        released: 2,
      });
      expect(await current.query(cardJobs)).toEqual([{ state: 'pending', attempts: 0, n: 2 }]);

      connector.delayMs = 0;
      service = await startService({ ...env });
      await service.ready();
      await connector.until((calls) => calls.length >= 4);
      expect(await service.stop('SIGTERM')).toBe(0);
      expect(await current.query(cardJobs)).toEqual([{ state: 'done', attempts: 1, n: 2 }]);
      // At least once: the released sends had reached the connector before the process stopped
      // waiting for them, so each card was posted twice. The grace period exists to make this rare.
      expect([...connector.postsByStep().entries()].sort()).toEqual(cutover.stepIds.map((step) => [step, 2]));
    },
  );
});
