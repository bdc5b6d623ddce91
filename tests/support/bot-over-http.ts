/**
 * The bot over HTTP for integration tests, as Teams drives it: a fresh test database holding a
 * plan, and the real Teams service in local mode on 127.0.0.1 with its worker stopped (tests run
 * it with `teams.worker.runOnce()`), nock refusing every other address. Registers its own
 * beforeAll/afterAll; a test file's own beforeAll runs after it and may act through `engine`.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import nock from 'nock';
import type restify from 'restify';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { PlanModel } from '../../src/domain/plan-model.js';
import { Engine } from '../../src/engine/engine.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import type { MailTransport } from '../../src/mail/mail-transport.js';
import { startTeamsService, type TeamsService } from '../../src/teams/teams-service.js';
import { smallDirectory, smallPlan } from './small-plan.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface BotOverHttpOptions {
  /** Prefix of the temporary data folder. */
  prefix: string;
  /** The clock of the engine and the Teams service. */
  clock: () => Date;
  /** The plan stored before the service starts; the small plan by default. */
  plan?: () => PlanModel;
  /** Settings beside RUNSHEET_DATA_DIR. */
  env?: Record<string, string>;
  mailTransport?: MailTransport;
}

export interface BotOverHttp {
  readonly database: TestDatabase;
  readonly engine: Engine;
  readonly teams: TeamsService;
  /** `http://127.0.0.1:<port>` of the service. */
  readonly base: string;
}

export function useBotOverHttp(options: BotOverHttpOptions): BotOverHttp {
  let database: TestDatabase | undefined;
  let engine: Engine | undefined;
  let teams: TeamsService | undefined;
  let server: restify.Server | undefined;
  let base = '';
  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    database = await createTestDatabase();
    await storePlan(database, (options.plan ?? smallPlan)(), { actor: 'test', source: 'small-plan' });
    const logger = createLogger('silent');
    const config = loadConfig({
      RUNSHEET_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), options.prefix)),
      ...options.env,
    });
    const directory = smallDirectory();
    engine = new Engine({ database, directory, clock: options.clock });
    server = createHttpServer({ database, logger, about: {} });
    teams = startTeamsService({
      config,
      server,
      engine,
      directory,
      logger,
      clock: options.clock,
      startWorker: false,
      mailTransport: options.mailTransport,
    });
    await listen(server, 0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.close();
    await teams?.stop();
    await database?.destroy();
    nock.cleanAll();
    nock.enableNetConnect();
  });
  return {
    get database() {
      return database!;
    },
    get engine() {
      return engine!;
    },
    get teams() {
      return teams!;
    },
    get base() {
      return base;
    },
  };
}
