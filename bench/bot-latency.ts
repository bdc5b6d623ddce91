/**
 * Card-action latency benchmark (part of `npm run bench`, see docs/performance.md, "Teams bot").
 *
 * The real service runs in this process on PostgreSQL: `createHttpServer` + `startTeamsService` in
 * local mode (no app id, 127.0.0.1), WITH its job worker running (`startWorker` true), because in
 * production the worker shares the process, the CPU and the database pool with the card actions:
 * every press enqueues a card update and a pilots' notice, and the worker renders and sends them
 * while the next presses arrive. The team channels and the pilots' channel are linked to a fake Bot
 * Connector on 127.0.0.1 (card-fanout.ts's, in a thread of its own, enforcing Teams' limits), so
 * the worker's posts and updates really happen.
 *
 * The plan is the generated 20,000-step plan of the core benchmark (seed 1), with the predecessors
 * of 300 of Run1's steps dropped (312 ready at activation): the generated plan starts Run1 with 12
 * ready steps, and about a dozen stay ready as work proceeds, too few to keep 50 people busy at
 * once. The directory has 50 team members (two in each of the 25 teams) and a pilot, who activates
 * Run1; the activation's cards are posted before anything is measured.
 *
 * 50 simulated users press buttons at once, over loopback HTTP, from a client in a worker thread
 * (its own event loop, so the client's work is not billed to the server): each takes a ready step
 * of their team (or any), presses Start, then Start and Done of each task, then Done, each as an
 * `adaptiveCard/action` invoke (an `Action.Execute` with its verb and `{ step, iteration, seen }`
 * data, shaped like tests/fixtures/teams/card-action-execute.json) sent by a member of the team the
 * button belongs to, as the role rules require. Steps made ready by a Done (read from the notice on
 * the returned card) are picked up in turn. Each user sends the next press as soon as the answer to
 * the last arrives (no think time): 50 requests are in flight all along. 100 warm-up presses, then
 * 2,000 measured, each the full HTTP round trip (request sent to whole body read); every press
 * must be applied, or the benchmark fails.
 *
 * Side by side, in the same run and with the same client and concurrency: a bare botbuilder
 * `CloudAdapter` on restify (body parser only) whose `TeamsActivityHandler` answers every card
 * action with a fixed Adaptive Card (the card our service returned to the first measured press),
 * sent the same 2,100 invoke bodies. Our service's worker is stopped first, so nothing else runs.
 *
 * Targets: our p99 ≤ 100 ms, and our p50 at most 3 × the bare handler's p50.
 *
 * Before the saturated run, for information (no target): a paced run, where the same users pause
 * 0.5–1.5 s after each answer (about 50 presses per second), 50 warm-up and 600 measured presses.
 *
 * Standalone: `npm run build && node dist/bench/bot-latency.js` (PostgreSQL as for `npm run bench`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  TeamsActivityHandler,
  type AdaptiveCardInvokeResponse,
} from 'botbuilder';
import restify from 'restify';
import { loadConfig } from '../src/config.js';
import { openDatabase, queryRows, type Database } from '../src/db/client.js';
import { sql } from '../src/db/orm.js';
import { DirectorySnapshot, type DirectoryUser } from '../src/directory/directory.js';
import type { PlanModel } from '../src/domain/plan-model.js';
import { Engine } from '../src/engine/engine.js';
import { storePlan } from '../src/engine/store-plan.js';
import { createHttpServer, listen } from '../src/http/server.js';
import { startTeamsService, type TeamsService } from '../src/teams/teams-service.js';
import { DEFAULT_ADMIN_URL, dropDatabase, recreateDatabase, withDatabaseName } from './bench-database.js';
import {
  activateAsBenchPilot,
  BENCH_TENANT_ID,
  benchLogger,
  channelIdOf,
  FakeConnector,
  functionThread,
  isEntryPoint,
  linkChannels,
  mulberry32,
  printTable,
  slug,
  TEAMS_BENCH_PILOT,
  TEAMS_LIMITS,
  type BenchSectionResult,
  type BenchTarget,
} from './card-fanout.js';
import { generatePlan } from './generate-plan.js';
import { machineLoad, watchGc } from './observe.js';
import { round, roundAll, summarize, type LatencySummary } from './stats.js';
import { loadWorkSteps } from './workload.js';

const DATABASE_NAME = 'runsheet_bench_bot';
const PLAN_OPTIONS = { steps: 20_000, seed: 1 };
const ITERATION = 'Run1';
/** Run1 steps whose predecessors are dropped, so that enough steps are ready for 50 people. */
const EXTRA_ENTRY_STEPS = 300;
const MEMBERS_PER_TEAM = 2;
const CONCURRENCY = 50;
const WARM_UP = 100;
const MEASURED = 2_000;
const SEED = 11;
/** The paced run: each user waits about this long (0.5 to 1.5 times) before their next press. */
const PACED_THINK_MS = 1_000;
const PACED_WARM_UP = 50;
const PACED_MEASURED = 600;
/** Waiting for the activation's cards to go out before measuring; they take ~5 s. */
const INITIAL_CARDS_TIMEOUT_MS = 60_000;

export const BOT_LATENCY_TARGETS = {
  p99Ms: 100,
  /** Our p50 / the bare handler's p50, at most. */
  p50Ratio: 3,
};

const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export async function runBotLatencyBench(options: { adminUrl: string }): Promise<BenchSectionResult> {
  const { adminUrl } = options;
  const notes: string[] = [];
  console.log(
    `\n== Teams card-action latency: ${CONCURRENCY} concurrent users over HTTP, our bot on PostgreSQL vs a bare botbuilder handler ==`,
  );
  await recreateDatabase(adminUrl, DATABASE_NAME);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runsheet-bench-bot-'));
  const connector = new FakeConnector(TEAMS_LIMITS);
  let database: Database | undefined;
  let server: restify.Server | undefined;
  let teams: TeamsService | undefined;
  let bare: { url: string; close(): Promise<void> } | undefined;
  try {
    // Configured as `npm start` would be with DATABASE_URL set and no app id: local mode.
    const config = loadConfig({
      DATABASE_URL: withDatabaseName(adminUrl, DATABASE_NAME),
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
    teams = startTeamsService({ config, server, engine, directory, logger, startWorker: true });
    await listen(server, 0, '127.0.0.1');
    const address = server.address() as { port: number };
    const serviceUrl = await connector.start();
    await linkChannels(database, directory, teamNames, serviceUrl);

    const activated = await activateAsBenchPilot(engine, ITERATION);
    const drained = await waitForCardJobs(database, INITIAL_CARDS_TIMEOUT_MS);
    console.log(
      `the worker posted the ${activated.becameReady.length} ready cards in ${(drained.ms / 1000).toFixed(1)} s; measuring`,
    );
    const steps = await loadWorkSteps(database.db);
    const input: LoadInput = {
      url: `http://127.0.0.1:${address.port}/api/messages`,
      mode: 'workload',
      concurrency: CONCURRENCY,
      warmUp: WARM_UP,
      measured: MEASURED,
      iteration: ITERATION,
      tenantId: BENCH_TENANT_ID,
      seed: SEED,
      users: members.map((m) => ({ aadObjectId: m.aadObjectId, name: m.name, team: m.teams[0]! })),
      channelByTeam: Object.fromEntries(teamNames.map((team) => [team, channelIdOf(team)])),
      steps: Object.fromEntries(
        [...steps].map(([key, step]) => [key, { team: step.team, tasks: step.tasks }]),
      ),
      initiallyReady: activated.becameReady,
      bodies: [],
      thinkMs: 0,
    };

    // First at a human pace (each user presses about once a second), then saturated.
    const paced = await runLoad({
      ...input,
      warmUp: PACED_WARM_UP,
      measured: PACED_MEASURED,
      thinkMs: PACED_THINK_MS,
    });
    if (paced.failures.length > 0) {
      throw new Error(
        `${paced.failureCount} paced card actions were not applied as planned, e.g.: ${paced.failures.slice(0, 3).join(' | ')}`,
      );
    }
    const requestsBefore = (await connector.records()).length;
    const loadBefore = machineLoad();
    const gcWatch = watchGc();
    const ours = await runLoad({ ...input, initiallyReady: paced.readyLeft });
    const gc = await gcWatch.stop();
    const loadAfter = machineLoad();
    if (ours.failures.length > 0) {
      throw new Error(
        `${ours.failureCount} card actions were not applied as planned, e.g.: ${ours.failures.slice(0, 3).join(' | ')}`,
      );
    }
    const backlog = await pendingJobs(database);
    const records = (await connector.records()).slice(requestsBefore);
    await teams.stop();
    teams = undefined;

    bare = await startBareBot(ours.sampleCard ?? { type: 'AdaptiveCard', version: '1.5', body: [] });
    const baseline = await runLoad({ ...input, url: bare.url, mode: 'replay', bodies: ours.bodies });
    const pacedSummary = summarize(paced.latencies);
    const pacedRate = (paced.latencies.length * 1000) / paced.measuredWallMs;
    if (baseline.failures.length > 0) {
      throw new Error(`the bare handler failed ${baseline.failureCount} requests: ${baseline.failures[0]}`);
    }

    const our = summarize(ours.latencies);
    const base = summarize(baseline.latencies);
    const byKind = Object.fromEntries(
      [...new Set(ours.kinds)].map((kind) => [
        kind,
        summarize(ours.latencies.filter((_, i) => ours.kinds[i] === kind)),
      ]),
    ) as Record<string, LatencySummary>;
    const ratio = our.p50 / base.p50;
    const throughput = (ours.latencies.length * 1000) / ours.measuredWallMs;
    const baseThroughput = (baseline.latencies.length * 1000) / baseline.measuredWallMs;

    const row = (label: string, s: LatencySummary, perSecond: number) => [
      label,
      String(s.count),
      fmtNum(s.mean),
      fmtNum(s.p50),
      fmtNum(s.p95),
      fmtNum(s.p99),
      fmtNum(s.max),
      perSecond.toFixed(0),
    ];
    console.log(`\nCard-action round trip over HTTP, ms (${CONCURRENCY} users; warm-up presses excluded)`);
    printTable(
      ['handler', 'n', 'mean', 'p50', 'p95', 'p99', 'max', 'req/s'],
      [
        row(`runsheet, ${CONCURRENCY} in flight (no think time)`, our, throughput),
        ...Object.entries(byKind).map(([kind, s]) => row(`  ${kind}`, s, Number.NaN)),
        row(`bare CloudAdapter echoing a card, ${CONCURRENCY} in flight`, base, baseThroughput),
        row(`runsheet, paced (each user ~1 press/${PACED_THINK_MS / 1000} s)`, pacedSummary, pacedRate),
      ].map((cells) => cells.map((cell) => (cell === 'NaN' ? '' : cell))),
    );
    const cardPosts = records.filter((r) => r.method === 'POST' && r.step !== null).length;
    const cardUpdates = records.filter((r) => r.method === 'PUT').length;
    const notices = records.filter((r) => r.method === 'POST' && r.step === null).length;
    console.log(
      `meanwhile the worker sent ${cardUpdates} card updates, ${cardPosts} new cards and ${notices} pilots' ` +
        `notices (${records.filter((r) => r.status === 429).length} × 429); ${backlog} jobs waiting at the end; ` +
        `${ours.stepsCompleted} steps completed, ${ours.stepsMadeReady} made ready; ` +
        `GC: ${gc.count} pauses, ${gc.totalMs.toFixed(0)} ms, longest ${gc.maxMs.toFixed(1)} ms`,
    );
    if (loadBefore.busy || loadAfter.busy) {
      notes.push(
        `card actions: the machine was busy (load average ${loadBefore.loadAverage1m.toFixed(1)} before, ` +
          `${loadAfter.loadAverage1m.toFixed(1)} after, on ${os.cpus().length} CPUs)`,
      );
    }

    const figures = {
      workload:
        `${CONCURRENCY} simulated users pressing step-card buttons (Action.Execute invokes to POST /api/messages ` +
        'over loopback HTTP, with seen statuses): step start, task start + done for each task, step done; ' +
        `no think time; ${WARM_UP} warm-up + ${MEASURED} measured presses; our service in local mode on ` +
        'PostgreSQL with its job worker running against a fake connector; the bare handler replays the same ' +
        'bodies to a CloudAdapter on restify that echoes a fixed card',
      plan: `${PLAN_OPTIONS.steps} generated steps (seed ${PLAN_OPTIONS.seed}), predecessors of ${EXTRA_ENTRY_STEPS} Run1 steps dropped`,
      directory: `${members.length} team members, ${MEMBERS_PER_TEAM} per team, and a pilot`,
      databasePoolMax: config.databasePoolMax,
      initiallyReady: activated.becameReady.length,
      runsheetMs: roundAll(our),
      runsheetByKindMs: Object.fromEntries(Object.entries(byKind).map(([k, s]) => [k, roundAll(s)])),
      bareMs: roundAll(base),
      paced: {
        workload: `the same ${CONCURRENCY} users, each pausing ${PACED_THINK_MS / 2}–${(PACED_THINK_MS * 3) / 2} ms after each answer; ${PACED_WARM_UP} warm-up + ${PACED_MEASURED} measured presses, before the saturated run`,
        latencyMs: roundAll(pacedSummary),
        requestsPerSecond: round(pacedRate, 1),
      },
      p50Ratio: round(ratio, 2),
      runsheetRequestsPerSecond: round(throughput, 1),
      bareRequestsPerSecond: round(baseThroughput, 1),
      meanInFlight: round(ours.latencies.reduce((a, b) => a + b, 0) / ours.measuredWallMs, 1),
      warmUpMaxMs: round(Math.max(...ours.warmUpLatencies), 1),
      worker: { cardUpdates, cardPosts, notices, throttled: records.filter((r) => r.status === 429).length },
      jobsWaitingAtEnd: backlog,
      stepsCompleted: ours.stepsCompleted,
      stepsMadeReady: ours.stepsMadeReady,
      gcPauses: { count: gc.count, totalMs: round(gc.totalMs, 1), maxMs: round(gc.maxMs, 1) },
      loadAverage1m: { before: round(loadBefore.loadAverage1m, 2), after: round(loadAfter.loadAverage1m, 2) },
    };
    const targets: BenchTarget[] = [
      {
        name: `card action p99 (${CONCURRENCY} users, HTTP, PostgreSQL)`,
        value: our.p99,
        unit: 'ms',
        target: BOT_LATENCY_TARGETS.p99Ms,
        pass: our.p99 <= BOT_LATENCY_TARGETS.p99Ms,
      },
      {
        name: 'card action p50 / bare botbuilder p50',
        value: ratio,
        unit: '×',
        target: BOT_LATENCY_TARGETS.p50Ratio,
        pass: ratio <= BOT_LATENCY_TARGETS.p50Ratio,
      },
    ];
    for (const t of targets) {
      console.log(
        `${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${fmtNum(t.value)} ${t.unit} (limit ${t.target} ${t.unit})`,
      );
    }
    return { figures, targets, notes };
  } finally {
    await teams?.stop().catch(() => undefined);
    await bare?.close().catch(() => undefined);
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await connector.close();
    await database?.close().catch(() => undefined);
    await dropDatabase(adminUrl, DATABASE_NAME);
    fs.rmSync(dataDir, { recursive: true, force: true });
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

async function pendingJobs(database: Database): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    database.db,
    sql`select count(*)::int as n from jobs where kind in ('step-card.sync', 'pilots.status-notice')
        and state in ('pending', 'running')`,
  );
  return row?.n ?? 0;
}

async function waitForCardJobs(database: Database, timeoutMs: number): Promise<{ ms: number }> {
  const started = performance.now();
  while ((await pendingJobs(database)) > 0) {
    if (performance.now() - started > timeoutMs)
      throw new Error('the activation cards did not go out in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { ms: performance.now() - started };
}

/** A bare bot: CloudAdapter on restify, answering every card action with `card`. No engine, no database. */
async function startBareBot(card: object): Promise<{ url: string; close(): Promise<void> }> {
  // The same identity-less settings as our local mode (bot-adapter.ts).
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---------------------------------------------------------------------------------------------
// The client: 50 users in a thread of their own
// ---------------------------------------------------------------------------------------------

interface LoadInput {
  url: string;
  /** `workload`: users carry out steps; `replay`: send `bodies` again, in order. */
  mode: 'workload' | 'replay';
  concurrency: number;
  warmUp: number;
  measured: number;
  iteration: string;
  tenantId: string;
  seed: number;
  users: { aadObjectId: string; name: string; team: string }[];
  channelByTeam: Record<string, string>;
  steps: Record<string, { team: string; tasks: { key: string; team: string }[] }>;
  initiallyReady: string[];
  bodies: string[];
  /** Mean pause of a user between the answer to a press and their next press; 0: none. */
  thinkMs: number;
}

interface LoadOutput {
  /** Measured round trips, ms, in completion order, with the kind of press of each. */
  latencies: number[];
  kinds: string[];
  warmUpLatencies: number[];
  /** Every request body sent, in the order issued (the bare run replays them). */
  bodies: string[];
  /** The card returned to the first measured press. */
  sampleCard: object | null;
  failures: string[];
  failureCount: number;
  /** From the first measured press sent to the last answer received. */
  measuredWallMs: number;
  stepsCompleted: number;
  stepsMadeReady: number;
  /** Ready steps nobody touched, for a later run. */
  readyLeft: string[];
}

function runLoad(input: LoadInput): Promise<LoadOutput> {
  return new Promise((resolve, reject) => {
    const thread = functionThread(loadThread, input, []);
    thread.once('message', (message: { ok: true; output: LoadOutput } | { ok: false; error: string }) => {
      void thread.terminate();
      if (message.ok) resolve(message.output);
      else reject(new Error(`the load client failed: ${message.error}`));
    });
    thread.once('error', reject);
  });
}

/**
 * The load client's thread. Self-contained (it runs from its source text, see `functionThread`):
 * it uses nothing from this module but types, and Node's global fetch (undici, keep-alive).
 */
function loadThread(input: LoadInput, port: MessagePort): void {
  interface Actor {
    aadObjectId: string;
    name: string;
  }
  interface Press {
    kind: string;
    verb: string;
    team: string;
    data: Record<string, string>;
  }
  const total = input.warmUp + input.measured;
  const output: LoadOutput = {
    latencies: [],
    kinds: [],
    warmUpLatencies: [],
    bodies: [],
    sampleCard: null,
    failures: [],
    failureCount: 0,
    measuredWallMs: 0,
    stepsCompleted: 0,
    stepsMadeReady: 0,
    readyLeft: [],
  };
  let issued = 0;
  let measuredStart = 0;
  let measuredEnd = 0;
  let state = input.seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const fail = (problem: string) => {
    output.failureCount++;
    if (output.failures.length < 10) output.failures.push(problem);
  };

  /** Sends request `index` and times the whole round trip; returns the parsed invoke response. */
  const send = async (index: number, body: string, kind: string) => {
    output.bodies[index] = body;
    const started = performance.now();
    if (index === input.warmUp) measuredStart = started;
    let status = 0;
    let text: string;
    try {
      const response = await fetch(input.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      text = String(error);
    }
    const finished = performance.now();
    if (index < input.warmUp) {
      output.warmUpLatencies.push(finished - started);
    } else {
      output.latencies.push(finished - started);
      output.kinds.push(kind);
      measuredEnd = Math.max(measuredEnd, finished);
    }
    let parsed: { statusCode?: number; value?: { body?: unknown[] } } | null;
    try {
      parsed = JSON.parse(text) as { statusCode?: number; value?: { body?: unknown[] } };
    } catch {
      parsed = null;
    }
    if (status !== 200 || parsed?.statusCode !== 200) {
      fail(`#${index} ${kind}: HTTP ${status} ${text.slice(0, 200)}`);
      return null;
    }
    if (index === input.warmUp && parsed.value) output.sampleCard = parsed.value;
    return parsed.value ?? null;
  };

  /** The outcome notice the bot put on top of the card it returned: `{ text, color }`. */
  const noticeOf = (card: { body?: unknown[] } | null) => {
    for (const element of card?.body ?? []) {
      const block = element as { type?: string; inlines?: { text?: string; color?: string }[] };
      const first = block.inlines?.[0];
      if (block.type === 'RichTextBlock' && first?.color !== undefined) return first;
    }
    return null;
  };

  const invoke = (index: number, actor: Actor, step: string, press: Press): string => {
    const channel = input.channelByTeam[input.steps[step]!.team]!;
    const messageId = `card-${step}`;
    return JSON.stringify({
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: `f:bench-${index}`,
      timestamp: new Date().toISOString(),
      serviceUrl: 'https://smba.trafficmanager.net/emea/',
      channelId: 'msteams',
      from: { id: `29:${actor.aadObjectId}`, aadObjectId: actor.aadObjectId, name: actor.name },
      conversation: {
        isGroup: true,
        conversationType: 'channel',
        tenantId: input.tenantId,
        id: `${channel};messageid=${messageId}`,
      },
      recipient: { id: '28:bench-runsheet', name: 'Runsheet' },
      replyToId: messageId,
      value: {
        action: { type: 'Action.Execute', id: press.verb, verb: press.verb, data: press.data },
        trigger: 'manual',
      },
      channelData: {
        channel: { id: channel },
        team: { id: channel },
        tenant: { id: input.tenantId },
        source: { name: 'message' },
      },
      locale: 'en-GB',
    });
  };

  const replay = async () => {
    const worker = async () => {
      while (issued < total) {
        const index = issued++;
        await send(index, input.bodies[index % input.bodies.length]!, 'replay');
      }
    };
    await Promise.all(Array.from({ length: input.concurrency }, worker));
  };

  const workload = async () => {
    const pool = [...input.initiallyReady];
    const seen = new Set(pool);
    const waiting: (() => void)[] = [];
    let working = 0;
    let starved = false;
    const wake = () => waiting.splice(0).forEach((resolve) => resolve());
    const membersOf = new Map<string, Actor[]>();
    for (const user of input.users) membersOf.set(user.team, [...(membersOf.get(user.team) ?? []), user]);

    const take = (team: string): string | undefined => {
      if (pool.length === 0) return undefined;
      let index = pool.findIndex((key) => input.steps[key]?.team === team);
      if (index < 0) index = Math.floor(random() * pool.length);
      const [key] = pool.splice(index, 1);
      return key;
    };
    const nextStep = async (team: string): Promise<string | undefined> => {
      for (;;) {
        if (issued >= total || starved) return undefined;
        const key = take(team);
        if (key !== undefined) return key;
        if (working === 0) {
          starved = true;
          wake();
          return undefined;
        }
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
    };
    const pressesOf = (key: string): Press[] => {
      const step = input.steps[key]!;
      const data = (seen: string, task?: string) => ({
        step: key,
        iteration: input.iteration,
        seen,
        ...(task ? { task } : {}),
      });
      return [
        { kind: 'step.start', verb: 'step.start', team: step.team, data: data('OPEN') },
        ...step.tasks.flatMap((task): Press[] => [
          { kind: 'task.start', verb: 'task.start', team: task.team, data: data('OPEN', task.key) },
          { kind: 'task.done', verb: 'task.done', team: task.team, data: data('IN_PROGRESS', task.key) },
        ]),
        { kind: 'step.done', verb: 'step.done', team: step.team, data: data('IN_PROGRESS') },
      ];
    };

    const user = async (me: { aadObjectId: string; name: string; team: string }) => {
      for (let key = await nextStep(me.team); key !== undefined; key = await nextStep(me.team)) {
        working++;
        for (const press of pressesOf(key)) {
          if (issued >= total) break;
          const index = issued++;
          const actor = press.team === me.team ? me : (membersOf.get(press.team) ?? [me])[0]!;
          const card = await send(index, invoke(index, actor, key, press), press.kind);
          if (card === null) break;
          if (input.thinkMs > 0) {
            await new Promise((resolve) => setTimeout(resolve, input.thinkMs * (0.5 + random())));
          }
          const notice = noticeOf(card as { body?: unknown[] });
          if (notice?.color !== 'good') {
            fail(`#${index} ${press.kind} ${key}: ${notice?.text ?? 'no notice on the card'}`);
            break;
          }
          if (press.kind === 'step.done') {
            output.stepsCompleted++;
            const ready = /Now ready: (.+)\.$/.exec(notice.text ?? '')?.[1]?.split(', ') ?? [];
            for (const next of ready) {
              if (seen.has(next) || !input.steps[next]) continue;
              seen.add(next);
              pool.push(next);
              output.stepsMadeReady++;
            }
            wake();
          }
        }
        working--;
        wake();
      }
    };
    await Promise.all(input.users.slice(0, input.concurrency).map((me) => user(me)));
    output.readyLeft = pool;
    if (starved && issued < total) fail(`ran out of ready steps after ${issued} presses`);
  };

  (input.mode === 'replay' ? replay() : workload()).then(
    () => {
      output.measuredWallMs = measuredEnd - measuredStart;
      port.postMessage({ ok: true, output });
    },
    (error: unknown) => port.postMessage({ ok: false, error: String((error as Error)?.stack ?? error) }),
  );
}

function fmtNum(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(2);
}

if (isEntryPoint(import.meta.url)) {
  runBotLatencyBench({ adminUrl: process.env.DATABASE_URL || DEFAULT_ADMIN_URL }).then(
    (result) => {
      for (const note of result.notes) console.log(`NOTE: ${note}`);
    },
    (error: unknown) => {
      console.error('card-action latency benchmark crashed:', error);
      process.exitCode = 1;
    },
  );
}
