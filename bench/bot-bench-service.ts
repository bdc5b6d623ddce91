/**
 * The service the card-action benchmarks press buttons on (bench/bot-latency.ts, bench/press-cost.ts),
 * and the bare botbuilder handler they compare it with.
 *
 * The real service runs in the benchmark's process on PostgreSQL: `createHttpServer` +
 * `startTeamsService` in local mode (no app id, 127.0.0.1), configured as `npm start` would be with
 * DATABASE_URL set. Its job worker is created but not started: the caller starts it when it wants
 * production's shape (the worker shares the process, the CPU and the pool with the card actions),
 * and leaves it stopped to count what a press alone costs. The team channels and the pilots'
 * channel are linked to a fake Bot Connector on 127.0.0.1 (card-fanout.ts's, in a thread of its
 * own, enforcing Teams' limits), so the worker's posts and updates really happen.
 *
 * The plan is the generated 20,000-step plan of the core benchmark (seed 1), with the predecessors
 * of 300 of Run1's steps dropped (312 ready at activation): the generated plan starts Run1 with 12
 * ready steps, and about a dozen stay ready as work proceeds, too few to keep 50 people busy at
 * once. The directory has 50 team members (two in each of the 25 teams) and a pilot, who activates
 * Run1.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  TeamsActivityHandler,
  type AdaptiveCardInvokeResponse,
} from 'botbuilder';
import restify from 'restify';
import { loadConfig, type Config } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { DirectorySnapshot, type DirectoryUser } from '../src/directory/directory.js';
import type { PlanModel } from '../src/domain/plan-model.js';
import { Engine } from '../src/engine/engine.js';
import { storePlan } from '../src/engine/store-plan.js';
import { createHttpServer, listen } from '../src/http/server.js';
import { startTeamsService, type TeamsService } from '../src/teams/teams-service.js';
import { dropDatabase, recreateDatabase, withDatabaseName } from './bench-database.js';
import {
  activateAsBenchPilot,
  BENCH_TENANT_ID,
  benchLogger,
  channelIdOf,
  FakeConnector,
  linkChannels,
  mulberry32,
  slug,
  TEAMS_BENCH_PILOT,
  TEAMS_LIMITS,
} from './card-fanout.js';
import { generatePlan } from './generate-plan.js';
import type { LoadInput, LoadUser } from './load-client.js';
import { loadWorkSteps } from './workload.js';
import { isGoNoGoStep } from '../src/domain/go-no-go.js';

export const PLAN_OPTIONS = { steps: 20_000, seed: 1 };
export const ITERATION = 'Run1';
/** Run1 steps whose predecessors are dropped, so that enough steps are ready for 50 people. */
export const EXTRA_ENTRY_STEPS = 300;
export const MEMBERS_PER_TEAM = 2;
const SEED = 11;
const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export interface BotBenchService {
  config: Config;
  database: Database;
  engine: Engine;
  server: restify.Server;
  /** Its worker is not running until the caller starts it. */
  teams: TeamsService;
  connector: FakeConnector;
  members: DirectoryUser[];
  /** Steps that became ready at the activation. */
  initiallyReady: string[];
  /** What every load run of this service shares (url, people, channels, steps). */
  loadBase: Pick<
    LoadInput,
    | 'url'
    | 'iteration'
    | 'tenantId'
    | 'seed'
    | 'people'
    | 'channelByTeam'
    | 'steps'
    | 'pilot'
    | 'initiallyReady'
  >;
  close(): Promise<void>;
}

/** Creates the database `databaseName`, stores the plan, starts the service and activates Run1. */
export async function startBotBenchService(adminUrl: string, databaseName: string): Promise<BotBenchService> {
  await recreateDatabase(adminUrl, databaseName);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runsheet-bench-bot-'));
  const connector = new FakeConnector(TEAMS_LIMITS);
  let database: Database | undefined;
  let server: restify.Server | undefined;
  let teams: TeamsService | undefined;
  const close = async () => {
    await teams?.stop().catch(() => undefined);
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await connector.close();
    await database?.close().catch(() => undefined);
    await dropDatabase(adminUrl, databaseName);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // Configured as `npm start` would be with DATABASE_URL set and no app id: local mode.
    const config = loadConfig({
      DATABASE_URL: withDatabaseName(adminUrl, databaseName),
      RUNSHEET_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    });
    database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      poolMax: config.databasePoolMax,
    });
    await database.migrate();
    const plan = widenedPlan();
    await storePlan(database, plan, { actor: 'bench@bench.example', source: 'bench-plan.json' });
    const teamNames = plan.teams.map((t) => t.name);
    const members = teamNames.flatMap((team) =>
      Array.from({ length: MEMBERS_PER_TEAM }, (_, i): DirectoryUser => ({
        aadObjectId: `bench-${slug(team)}-${i + 1}`,
        name: `${team} Member ${i + 1}`,
        email: `${slug(team)}-${i + 1}@bench.example`,
        pilot: false,
        teams: [team],
      })),
    );
    const directory = new DirectorySnapshot(`card-action benchmark (${members.length} members and a pilot)`, [
      ...members,
      TEAMS_BENCH_PILOT,
    ]);
    const engine = new Engine({ database, directory });
    const logger = benchLogger();
    server = createHttpServer({ database, logger, about: { service: 'runsheet', mode: 'local' } });
    teams = startTeamsService({ config, server, engine, directory, logger, startWorker: false });
    await listen(server, 0, '127.0.0.1');
    const address = server.address() as { port: number };
    const serviceUrl = await connector.start();
    await linkChannels(database, directory, teamNames, serviceUrl);

    const activated = await activateAsBenchPilot(engine, ITERATION);
    const steps = await loadWorkSteps(database.db);
    const people: LoadUser[] = members.map((m) => ({
      aadObjectId: m.aadObjectId,
      name: m.name,
      team: m.teams[0]!,
    }));
    return {
      config,
      database,
      engine,
      server,
      teams,
      connector,
      members,
      initiallyReady: activated.becameReady,
      loadBase: {
        url: `http://127.0.0.1:${address.port}/api/messages`,
        iteration: ITERATION,
        tenantId: BENCH_TENANT_ID,
        seed: SEED,
        people,
        channelByTeam: Object.fromEntries(teamNames.map((team) => [team, channelIdOf(team)])),
        steps: Object.fromEntries(
          [...steps].map(([key, step]) => [
            key,
            { team: step.team, goNoGo: isGoNoGoStep(key), tasks: step.tasks },
          ]),
        ),
        pilot: {
          aadObjectId: TEAMS_BENCH_PILOT.aadObjectId,
          name: TEAMS_BENCH_PILOT.name,
          team: '',
        },
        initiallyReady: activated.becameReady,
      },
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/** The generated plan, with the predecessors of {@link EXTRA_ENTRY_STEPS} Run1 steps dropped. */
function widenedPlan(): PlanModel {
  const plan = generatePlan(PLAN_OPTIONS);
  const random = mulberry32(SEED);
  const candidates = plan.steps.filter((s) => s.scope.includes(ITERATION) && s.predecessors.length > 0);
  for (let i = 0; i < EXTRA_ENTRY_STEPS && candidates.length > 0; i++) {
    const [step] = candidates.splice(Math.floor(random() * candidates.length), 1);
    step!.predecessors = [];
  }
  return plan;
}

export interface BareBot {
  url: string;
  server: restify.Server;
  close(): Promise<void>;
}

/**
 * A bare bot: botbuilder's `CloudAdapter` on restify (body parser only), with the same
 * identity-less settings as our local mode (bot-adapter.ts), whose `TeamsActivityHandler` answers
 * every card action with `card`. No engine, no database.
 */
export async function startBareBot(card: object): Promise<BareBot> {
  const settings = {
    MicrosoftAppId: '',
    MicrosoftAppPassword: '',
    MicrosoftAppType: 'MultiTenant',
    MicrosoftAppTenantId: '',
  };
  const adapter = new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication(
      settings,
      new ConfigurationServiceClientCredentialFactory(settings),
    ),
  );
  class EchoCardBot extends TeamsActivityHandler {
    protected override async onAdaptiveCardInvoke(): Promise<AdaptiveCardInvokeResponse> {
      return { statusCode: 200, type: CARD_CONTENT_TYPE, value: card as Record<string, unknown> };
    }
  }
  const bot = new EchoCardBot();
  const server = restify.createServer({ name: 'bare-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser());
  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });
  await listen(server, 0, '127.0.0.1');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/api/messages`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
