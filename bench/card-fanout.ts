/**
 * Card fan-out benchmark (part of `npm run bench`, see docs/performance.md, "Teams bot").
 *
 * 300 steps become ready at once when a pilot activates Run1; their cards go to 10 team channels,
 * 30 per channel. The real sending path does the work: the job worker (`JobWorker`) runs the
 * `step-card.sync` jobs the activation enqueued, through `createTeamsJobHandlers`,
 * `BotConnectorClient` and `ConversationRateLimiter`, exactly as `startTeamsService` wires them.
 * The Bot Connector is a fake one written here, on 127.0.0.1 only, that ENFORCES Teams' limits
 * (per conversation 7 in 1 s, 8 in 2 s, 60 in 30 s, 1800 in an hour; 50 per second for the app),
 * answers 429 with a Retry-After when a request would exceed one, and records every POST and PUT.
 *
 * What is checked: the time to deliver the 300 cards against the theoretical minimum those limits
 * allow (target: at least 90 % of the allowed rate), that no card is lost (every step has exactly one
 * accepted POST and one `posted_cards` row), none duplicated (no step posted twice) and no 429 left
 * unretried (every 429 is followed by an accepted retry of the same card).
 *
 * The runtime is bounded: 30 cards per channel fit inside one 60-in-30-s window, so the 1-second
 * and 2-second windows decide (8 per 2 s per channel: the last card can go out at 6 s), and the app
 * limit allows 300 cards in 5 s; the whole benchmark takes about 15 s. It gives up waiting after
 * {@link DELIVERY_TIMEOUT_MS}.
 *
 * Standalone: `npm run build && node dist/bench/card-fanout.js` (PostgreSQL as for `npm run bench`).
 */
import type * as Http from 'node:http';
import os from 'node:os';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Worker, type MessagePort } from 'node:worker_threads';
import { sql } from '../src/db/orm.js';
import { pino, type Logger } from 'pino';
import { openDatabase, queryRows, type Database } from '../src/db/client.js';
import { DirectorySnapshot, type DirectoryUser } from '../src/directory/directory.js';
import type { PlanModel, PlanStep, PlanTask } from '../src/domain/plan-model.js';
import { resolveActor } from '../src/engine/actor.js';
import { linkConversation } from '../src/engine/conversation-links.js';
import { Engine } from '../src/engine/engine.js';
import { storePlan } from '../src/engine/store-plan.js';
import { JobWorker } from '../src/jobs/worker.js';
import { REDACTED_PATHS } from '../src/logger.js';
import { createTeamsJobHandlers } from '../src/teams/card-jobs.js';
import { BotConnectorClient } from '../src/teams/connector/connector-client.js';
import { ConversationRateLimiter } from '../src/teams/connector/rate-limiter.js';
import { DEFAULT_ADMIN_URL, dropDatabase, recreateDatabase, withDatabaseName } from './bench-database.js';
import { round } from './stats.js';
import { printTable } from './print-table.js';

const DATABASE_NAME = 'runsheet_bench_fanout';
const CHANNELS = 10;
const CARDS_PER_CHANNEL = 30;
const ITERATION = 'Run1';
const SEED = 7;
/** Far beyond the ~6 s the limits allow: past this, cards are counted as lost. */
const DELIVERY_TIMEOUT_MS = 90_000;

export const FANOUT_TARGETS = {
  /** Achieved rate / the rate Teams' limits allow, at least. */
  rateShare: 0.9,
};

/** At most `limit` accepted requests in any `windowMs` (the fake's own copy of Teams' figures). */
export interface Limit {
  limit: number;
  windowMs: number;
}

/**
 * Teams' documented limits for a bot, per conversation and per app. Kept here rather than imported
 * from the rate limiter under test, so that a wrong figure there is caught, not mirrored.
 */
export const TEAMS_LIMITS: { perConversation: readonly Limit[]; perApp: Limit } = {
  perConversation: [
    { limit: 7, windowMs: 1_000 },
    { limit: 8, windowMs: 2_000 },
    { limit: 60, windowMs: 30_000 },
    { limit: 1_800, windowMs: 3_600_000 },
  ],
  perApp: { limit: 50, windowMs: 1_000 },
};

/** A target in the report's table; `atLeast` when the measured value must reach the limit. */
export interface BenchTarget {
  name: string;
  value: number;
  unit: string;
  target: number;
  pass: boolean;
  atLeast?: boolean;
}

// ---------------------------------------------------------------------------------------------
// The fake Bot Connector
// ---------------------------------------------------------------------------------------------

/** One request the fake connector received. */
export interface ConnectorRecord {
  /** When the request arrived, in epoch milliseconds with sub-millisecond precision ({@link nowMs}). */
  at: number;
  method: string;
  conversationId: string;
  /** The activity updated (PUT) or replied to; null for a new post. */
  activityId: string | null;
  status: number;
  /** The Retry-After sent with a 429, in seconds. */
  retryAfterSeconds: number | null;
  /** The step whose card the activity carries (`"step":"TRT-10001"` in its actions' data), if any. */
  step: string | null;
  /** The id returned for an accepted POST. */
  returnedId: string | null;
}

/** Epoch milliseconds with sub-millisecond precision, comparable across threads. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * A stand-in for the Bot Connector REST API (`/v3/conversations/{id}/activities[/{id}]`) on
 * 127.0.0.1, in a thread of its own: Teams is another machine, so the time a request arrives must
 * not depend on how busy the bot's own event loop is. With `limits`, it accepts a request only if
 * that keeps every window within its limit (counting accepted requests by arrival time), and
 * otherwise answers 429 with Retry-After: the whole seconds until the window frees, at least 1.
 * Without, it accepts everything (a sink).
 */
export class FakeConnector {
  private thread: Worker | undefined;
  private readonly waiting: ((message: FakeConnectorMessage) => void)[] = [];

  constructor(private readonly limits: typeof TEAMS_LIMITS | null) {}

  /** Starts the server; returns the service URL to give the bot. */
  async start(): Promise<string> {
    const thread = functionThread(fakeConnectorThread, { limits: this.limits }, ['node:http']);
    this.thread = thread;
    thread.on('message', (message: FakeConnectorMessage) => this.waiting.shift()?.(message));
    const listening = await this.next();
    if (listening.type !== 'listening') throw new Error('the fake connector did not start');
    return listening.url;
  }

  /** Every request received so far, in arrival order. */
  async records(): Promise<ConnectorRecord[]> {
    this.thread!.postMessage({ type: 'records' });
    const answer = await this.next();
    if (answer.type !== 'records') throw new Error('the fake connector answered out of turn');
    return answer.records;
  }

  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    if (!thread) return;
    thread.postMessage({ type: 'close' });
    await this.next();
    await thread.terminate();
  }

  private next(): Promise<FakeConnectorMessage> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

type FakeConnectorMessage =
  { type: 'listening'; url: string } | { type: 'records'; records: ConnectorRecord[] } | { type: 'closed' };

/**
 * The fake connector's thread. Self-contained (it runs from its source text, see
 * {@link functionThread}): it may use nothing from this module but types.
 */
function fakeConnectorThread(
  input: { limits: typeof TEAMS_LIMITS | null },
  port: MessagePort,
  http: typeof Http,
): void {
  const now = () => performance.timeOrigin + performance.now();
  const records: ConnectorRecord[] = [];
  const accepted = new Map<string, number[]>();
  const acceptedByApp: number[] = [];
  let nextId = 1_764_000_000_000;

  /**
   * How long until one more request at `at` fits `window`, given the accepted times (ascending):
   * the window counts the requests in (at - windowMs, at]; when `limit` of them are there already,
   * the request fits once the oldest one that must drop out has left.
   */
  const windowWait = (times: readonly number[], window: Limit, at: number): number => {
    let inWindow = 0;
    for (let i = times.length - 1; i >= 0 && times[i]! > at - window.windowMs; i--) inWindow++;
    if (inWindow < window.limit) return 0;
    return times[times.length - window.limit]! + window.windowMs - at;
  };

  const server = http.createServer((req, res) => {
    const at = now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (status: number, body: object, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?$/.exec(req.url ?? '');
      const method = req.method ?? '';
      if (!match || (method !== 'POST' && method !== 'PUT')) {
        reply(404, { error: { code: 'NotFound', message: `${method} ${req.url}` } });
        return;
      }
      const conversationId = decodeURIComponent(match[1]!);
      const activityId = match[2] === undefined ? null : decodeURIComponent(match[2]);
      const body = Buffer.concat(chunks).toString('utf8');
      const record: ConnectorRecord = {
        at,
        method,
        conversationId,
        activityId,
        status: 0,
        retryAfterSeconds: null,
        step: /"step":"([^"]+)"/.exec(body)?.[1] ?? null,
        returnedId: null,
      };
      records.push(record);

      const own = accepted.get(conversationId) ?? [];
      let waitMs = 0;
      if (input.limits) {
        waitMs = windowWait(acceptedByApp, input.limits.perApp, at);
        for (const window of input.limits.perConversation)
          waitMs = Math.max(waitMs, windowWait(own, window, at));
      }
      if (waitMs > 0) {
        record.status = 429;
        record.retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
        reply(
          429,
          { error: { code: 'Throttled', message: 'Too many requests' } },
          { 'retry-after': String(record.retryAfterSeconds) },
        );
        return;
      }
      own.push(at);
      accepted.set(conversationId, own);
      acceptedByApp.push(at);
      if (method === 'PUT') {
        record.status = 200;
        reply(200, { id: activityId });
      } else {
        record.status = 201;
        record.returnedId = String(nextId++);
        reply(201, { id: record.returnedId });
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    port.postMessage({ type: 'listening', url: `http://127.0.0.1:${address.port}/` });
  });
  port.on('message', (message: { type: 'records' | 'close' }) => {
    if (message.type === 'records') {
      port.postMessage({ type: 'records', records });
    } else {
      server.closeAllConnections();
      server.close(() => port.postMessage({ type: 'closed' }));
    }
  });
}

/**
 * Runs `fn(workerData, parentPort, ...modules)` in a worker thread from its source text, so the
 * thread loads nothing of the service. `fn` must therefore be self-contained: no closure over its
 * module, only globals and the built-in `modules` it is handed.
 */
export function functionThread(
  fn: (data: never, port: MessagePort, ...modules: never[]) => unknown,
  workerData: unknown,
  modules: readonly string[],
): Worker {
  const builtins = modules.map((name) => `process.getBuiltinModule(${JSON.stringify(name)})`);
  const source =
    "const { workerData, parentPort } = process.getBuiltinModule('node:worker_threads');\n" +
    `(${fn.toString()})(workerData, parentPort, ${builtins.join(', ')});`;
  return new Worker(source, { eval: true, workerData });
}

// ---------------------------------------------------------------------------------------------
// The theoretical minimum
// ---------------------------------------------------------------------------------------------

/** The earliest times of `count` sends under `windows` alone, the first at 0. */
function earliestSends(count: number, windows: readonly Limit[]): number[] {
  const times: number[] = [];
  for (let k = 0; k < count; k++) {
    let at = 0;
    for (const { limit, windowMs } of windows) {
      if (k >= limit) at = Math.max(at, times[k - limit]! + windowMs);
    }
    times.push(at);
  }
  return times;
}

/**
 * The shortest time from the first card to the last that Teams' limits allow for these
 * per-channel card counts, as a lower bound no schedule can beat, and the length of a greedy
 * schedule under both limits at once, which shows the bound is reached (when the two agree, the
 * bound is the exact minimum). The bound is the largest of:
 * - what the busiest channel needs on its own (7 in 1 s and 8 in 2 s: 30 cards take 6 s);
 * - what the app limit needs for all cards (50 in 1 s: 300 cards take 5 s);
 * - the first second: in a schedule ending at M, a channel sends at most g(M - 1 s) cards after the
 *   first second (g(L): the most one channel can send in L ms), so it sends the rest within the
 *   first second, where all channels together get 50. With 30 cards on each of 10 channels, ending
 *   before 7 s leaves room for 24 per channel after the first second, so 6 × 10 = 60 > 50 would be
 *   due in it: the minimum is 7 s.
 */
export function minimumDeliveryMs(perChannel: readonly number[]): { lowerBoundMs: number; greedyMs: number } {
  const { perConversation, perApp } = TEAMS_LIMITS;
  const most = Math.max(...perChannel);
  const oneChannel = earliestSends(most, perConversation);
  const channelBound = oneChannel.at(-1) ?? 0;
  const total = perChannel.reduce((sum, n) => sum + n, 0);
  const appBound = earliestSends(total, [perApp]).at(-1) ?? 0;
  const fitsIn = (lengthMs: number) => oneChannel.filter((t) => t <= lengthMs).length;
  const firstSecondFits = (end: number) =>
    perChannel.reduce((sum, n) => sum + Math.max(0, n - fitsIn(end - perApp.windowMs)), 0) <= perApp.limit;
  let lowerBoundMs = Math.max(channelBound, appBound);
  if (!firstSecondFits(lowerBoundMs)) {
    const ends = oneChannel.map((t) => t + perApp.windowMs).filter((end) => end > lowerBoundMs);
    lowerBoundMs = ends.find(firstSecondFits) ?? lowerBoundMs;
  }

  // Greedy: repeatedly send the card that can go earliest (most cards left first on a tie).
  const sent: number[][] = perChannel.map(() => []);
  const remaining = [...perChannel];
  const app: number[] = [];
  let last = 0;
  for (let k = 0; k < total; k++) {
    let best = -1;
    let bestAt = Number.POSITIVE_INFINITY;
    for (let c = 0; c < perChannel.length; c++) {
      if (remaining[c] === 0) continue;
      let at = last;
      for (const { limit, windowMs } of perConversation) {
        const own = sent[c]!;
        if (own.length >= limit) at = Math.max(at, own[own.length - limit]! + windowMs);
      }
      if (app.length >= perApp.limit) at = Math.max(at, app[app.length - perApp.limit]! + perApp.windowMs);
      if (at < bestAt || (at === bestAt && remaining[c]! > remaining[best]!)) {
        best = c;
        bestAt = at;
      }
    }
    sent[best]!.push(bestAt);
    app.push(bestAt);
    remaining[best]!--;
    last = bestAt;
  }
  return { lowerBoundMs, greedyMs: last };
}

// ---------------------------------------------------------------------------------------------
// The plan
// ---------------------------------------------------------------------------------------------

const TEAM_NAMES = [
  'Engine',
  'Operations',
  'DBA',
  'Core Banking',
  'Securities',
  'Payments',
  'CRM',
  'Business Ops',
  'Testing',
  'Network',
];

/**
 * 300 steps with no predecessors in Run1 (so all are ready at activation), 30 per team, in a
 * seeded random order: the order the jobs are enqueued in, so consecutive jobs mostly go to
 * different channels, as the ready steps of a real phase start belong to many teams. Each step has
 * two tasks (one of its own team, one of another) and a third of them a control, so the cards are
 * the size real ones are.
 */
export function fanoutPlan(): PlanModel {
  const random = mulberry32(SEED);
  const teamOfStep = TEAM_NAMES.flatMap((team) => Array.from({ length: CARDS_PER_CHANNEL }, () => team));
  for (let i = teamOfStep.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [teamOfStep[i], teamOfStep[j]] = [teamOfStep[j]!, teamOfStep[i]!];
  }
  const chapters = ['Freeze source systems', 'Extract positions', 'Load reference data'];
  const steps: PlanStep[] = [];
  const tasks: PlanTask[] = [];
  const controls: PlanModel['controls'] = [];
  teamOfStep.forEach((team, index) => {
    const id = `TRT-${10001 + index}`;
    steps.push({
      id,
      title: `Migrate ${team.toLowerCase()} batch ${index + 1} to the target platform`,
      chapter: chapters[index % chapters.length]!,
      team,
      environment: 'PROD',
      durationMinutes: 15 + (index % 4) * 15,
      predecessors: [],
      description: `<p>Run the ${team} migration job for batch ${index + 1} and check the log.</p>`,
      instructionsUrl: `https://wiki.bank.example/cutover/${id}`,
      scope: [ITERATION],
    });
    const other = TEAM_NAMES[(TEAM_NAMES.indexOf(team) + 1 + (index % 9)) % TEAM_NAMES.length]!;
    const control = index % 3 === 0 ? `C${String(index / 3 + 1).padStart(4, '0')}-a` : null;
    if (control) {
      controls.push({
        id: control,
        name: `Row counts of batch ${index + 1}`,
        producer: team,
        validator: other,
        description: '',
      });
    }
    tasks.push(
      {
        id: `${id}-1`,
        description: `<p>Start the <b>${team}</b> job and watch it to the end.</p>`,
        team,
        durationMinutes: 10,
        controls: control ? [control] : [],
      },
      {
        id: `${id}-2`,
        description: `<p>Reconcile batch ${index + 1} with the source.</p>`,
        team: other,
        durationMinutes: 5,
        controls: [],
      },
    );
  });
  return {
    stepTypes: [{ type: 'TRT', name: 'Treatment' }],
    phases: [{ order: 1, name: 'Migration' }],
    chapters: chapters.map((name, i) => ({ order: i + 1, name, phase: 'Migration' })),
    teams: TEAM_NAMES.map((name) => ({
      name,
      adGroup: `g-${slug(name)}`,
      channel: '',
      mailbox: `${slug(name)}@bank.example`,
    })),
    iterations: [{ name: ITERATION, kind: 'RUN', timeZone: 'Europe/Zurich', comms: 'test' }],
    steps,
    tasks,
    controls,
    schedule: chapters.map((chapter) => ({
      iteration: ITERATION,
      chapter,
      start: '2026-12-04T18:00',
      end: '2026-12-05T06:00',
    })),
  };
}

export const TEAMS_BENCH_PILOT: DirectoryUser = {
  aadObjectId: 'bench-fanout-pilot',
  name: 'Bench Pilot',
  email: 'pilot@bench.example',
  pilot: true,
  teams: [],
};

/** Activates `iteration` as the bench pilot through the engine, as a pilot's command would; a refusal stops the bench. */
export async function activateAsBenchPilot(
  engine: Engine,
  iteration: string,
): Promise<{ becameReady: string[] }> {
  const activated = await engine.execute({
    action: 'activate',
    subject: iteration,
    actor: { aadObjectId: TEAMS_BENCH_PILOT.aadObjectId },
    source: 'teams',
  });
  if (activated.outcome !== 'applied') throw new Error(`activating ${iteration}: ${activated.message}`);
  console.log(activated.message);
  return activated;
}

/** The channel a team's cards go to in the benchmarks. */
export function channelIdOf(team: string): string {
  return `19:bench-${slug(team)}@thread.tacv2`;
}

export const PILOTS_CHANNEL_ID = '19:bench-pilots@thread.tacv2';
export const BENCH_TENANT_ID = '72f988bf-0000-4000-8000-0000000000aa';

/**
 * Links each team's channel (and the pilots' channel) to the fake connector as a pilot's
 * `@Runsheet link <team>` / `link pilots` does: through `linkConversation`, with the service URL
 * Teams would have sent along.
 */
export async function linkChannels(
  database: Database,
  directory: DirectorySnapshot,
  teams: readonly string[],
  serviceUrl: string,
): Promise<void> {
  const actor = resolveActor(directory, { aadObjectId: TEAMS_BENCH_PILOT.aadObjectId });
  if (!actor) throw new Error('the benchmark pilot is not in the directory');
  const targets: [string, string][] = [
    ...teams.map((team): [string, string] => [channelIdOf(team), team]),
    [PILOTS_CHANNEL_ID, 'pilots'],
  ];
  for (const [conversationId, target] of targets) {
    const info = {
      conversationId,
      serviceUrl,
      tenantId: BENCH_TENANT_ID,
      reference: { conversation: { id: conversationId }, serviceUrl, channelId: 'msteams' },
    };
    const result = await linkConversation(database, { info, target, actor });
    if (!result.ok) throw new Error(`linking ${conversationId} to ${target} failed: ${result.message}`);
  }
}

/** A logger like the service's (info level, redaction), writing to /dev/null: its cost is kept. */
export function benchLogger(): Logger {
  return pino(
    { level: 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    pino.destination('/dev/null'),
  );
}

// ---------------------------------------------------------------------------------------------
// The benchmark
// ---------------------------------------------------------------------------------------------

/** What a benchmark section adds to the report: its figures, its targets and notes. */
export interface BenchSectionResult {
  figures: Record<string, unknown>;
  targets: BenchTarget[];
  notes: string[];
}

export async function runCardFanoutBench(options: { adminUrl: string }): Promise<BenchSectionResult> {
  const { adminUrl } = options;
  const notes: string[] = [];
  console.log(
    `\n== Teams card fan-out: ${CHANNELS * CARDS_PER_CHANNEL} ready steps over ${CHANNELS} channels, fake connector enforcing Teams' limits ==`,
  );
  await recreateDatabase(adminUrl, DATABASE_NAME);
  const connector = new FakeConnector(TEAMS_LIMITS);
  let database: Database | undefined;
  let worker: JobWorker | undefined;
  try {
    database = await openDatabase({ databaseUrl: withDatabaseName(adminUrl, DATABASE_NAME), dataDir: '' });
    await database.migrate();
    const plan = fanoutPlan();
    await storePlan(database, plan, { actor: 'bench@bench.example', source: 'bench-fanout-plan' });
    const directory = new DirectorySnapshot('card fan-out benchmark (a pilot)', [TEAMS_BENCH_PILOT]);
    const logger = benchLogger();
    const engine = new Engine({ database, directory });
    const serviceUrl = await connector.start();
    await linkChannels(
      database,
      directory,
      plan.teams.map((t) => t.name),
      serviceUrl,
    );

    const activated = await activateAsBenchPilot(engine, ITERATION);
    const expected = new Set(activated.becameReady);
    if (expected.size !== CHANNELS * CARDS_PER_CHANNEL) {
      throw new Error(`expected ${CHANNELS * CARDS_PER_CHANNEL} ready steps, got ${expected.size}`);
    }

    // Wired as startTeamsService wires it: one limiter shared by every send, the worker's defaults.
    const workerId = `${os.hostname()}:${process.pid}:fanout`;
    const client = new BotConnectorClient({
      getToken: async () => null,
      limiter: new ConversationRateLimiter(),
      logger,
    });
    worker = new JobWorker({
      database,
      workerId,
      ...createTeamsJobHandlers({ engine, connector: client, logger, clock: () => new Date(), workerId }),
      logger,
    });
    // The jobs are in the table already; the worker starts now, so the figure does not depend on
    // where its 500 ms idle polling happened to be when the activation committed.
    const startedAt = nowMs();
    worker.start();
    const deadline = startedAt + DELIVERY_TIMEOUT_MS;
    let timedOut = false;
    for (;;) {
      const delivered = new Set(
        (await connector.records())
          .filter((r) => r.method === 'POST' && r.status === 201 && r.step)
          .map((r) => r.step),
      );
      if (delivered.size >= expected.size && (await pendingCardJobs(database)) === 0) break;
      if (nowMs() > deadline) {
        timedOut = true;
        notes.push(`card fan-out: gave up waiting after ${DELIVERY_TIMEOUT_MS / 1000} s`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await worker.stop();
    worker = undefined;

    // --- what the connector saw ---
    const records = await connector.records();
    const cardPosts = records.filter((r) => r.method === 'POST' && r.activityId === null && r.step);
    const accepted = cardPosts.filter((r) => r.status === 201);
    const throttled = records.filter((r) => r.status === 429);
    const acceptedByStep = new Map<string, ConnectorRecord[]>();
    for (const r of accepted) acceptedByStep.set(r.step!, [...(acceptedByStep.get(r.step!) ?? []), r]);
    const lostOnConnector = [...expected].filter((step) => !acceptedByStep.has(step));
    const duplicated = [...acceptedByStep].filter(([, posts]) => posts.length > 1).map(([step]) => step);
    const unretried = throttled.filter(
      (r) =>
        !records.some(
          (later) =>
            later.at > r.at &&
            later.method === r.method &&
            later.conversationId === r.conversationId &&
            later.step === r.step &&
            later.activityId === r.activityId &&
            later.status >= 200 &&
            later.status < 300,
        ),
    );
    const wrongChannel = accepted.filter(
      (r) => r.conversationId !== channelIdOf(plan.steps.find((s) => s.id === r.step)!.team),
    );
    const puts = records.filter((r) => r.method === 'PUT').length;

    // --- what the database says ---
    const rows = await queryRows<{ key: string; conversation_id: string; activity_id: string }>(
      database.db,
      sql`select s.key, pc.conversation_id, pc.activity_id from posted_cards pc join steps s on s.id = pc.step_id`,
    );
    const rowsByStep = new Map<string, number>();
    for (const row of rows) rowsByStep.set(row.key, (rowsByStep.get(row.key) ?? 0) + 1);
    const returnedIds = new Set(accepted.map((r) => r.returnedId));
    const rowsNotMatching = rows.filter((row) => !returnedIds.has(row.activity_id)).length;
    const lostInDatabase = [...expected].filter((step) => rowsByStep.get(step) !== 1);
    const jobStates = await queryRows<{ state: string; n: number }>(
      database.db,
      sql`select state, count(*)::int as n from jobs where kind = 'step-card.sync' group by state order by state`,
    );
    const lost = new Set([...lostOnConnector, ...lostInDatabase]);

    // --- the rate ---
    const times = accepted.map((r) => r.at).sort((a, b) => a - b);
    const firstMs = (times[0] ?? startedAt) - startedAt;
    const lastMs = (times.at(-1) ?? startedAt) - startedAt;
    const windowMs = lastMs - firstMs;
    const perChannel = TEAM_NAMES.map((team) => plan.steps.filter((s) => s.team === team).length);
    const minimum = minimumDeliveryMs(perChannel);
    const allowedMs = minimum.lowerBoundMs;
    const cards = expected.size;
    const rateShare = windowMs > 0 ? allowedMs / windowMs : 0;
    const channelWindows = TEAM_NAMES.map((team) => {
      const own = accepted
        .filter((r) => r.conversationId === channelIdOf(team))
        .map((r) => r.at)
        .sort((a, b) => a - b);
      return { team, cards: own.length, spanMs: round((own.at(-1) ?? 0) - (own[0] ?? 0)) };
    });

    const figures = {
      workload:
        `${cards} steps ready at the activation of ${ITERATION}, ${CARDS_PER_CHANNEL} per channel in ${CHANNELS} team ` +
        'channels (jobs in seeded random team order); the real JobWorker (poll 500 ms, batch 10, lock 60 s) ' +
        'with createTeamsJobHandlers, BotConnectorClient and ConversationRateLimiter; the worker is ' +
        'started once the activation committed, and the fake connector on 127.0.0.1 enforces ' +
        "Teams' limits by arrival time, answering 429 with Retry-After (whole seconds)",
      limits: {
        perConversation: TEAMS_LIMITS.perConversation.map((l) => `${l.limit}/${l.windowMs / 1000} s`),
        perApp: `${TEAMS_LIMITS.perApp.limit}/${TEAMS_LIMITS.perApp.windowMs / 1000} s`,
      },
      cards,
      channels: CHANNELS,
      theoreticalMinimumMs: allowedMs,
      greedyScheduleMs: minimum.greedyMs,
      allowedRatePerSecond: round((cards * 1000) / allowedMs, 1),
      firstCardAfterMs: round(firstMs),
      lastCardAfterMs: round(lastMs),
      deliveryWindowMs: round(windowMs),
      achievedRatePerSecond: round((cards * 1000) / windowMs, 1),
      achievedShareOfAllowed: round(rateShare, 3),
      requests: records.length,
      acceptedCardPosts: accepted.length,
      puts,
      throttled429: throttled.length,
      retryAfterSeconds: [...new Set(throttled.map((r) => r.retryAfterSeconds))],
      unretried429: unretried.length,
      lost: lost.size,
      duplicated: duplicated.length,
      postedCardRows: rows.length,
      postedCardRowsNotMatchingAReturnedId: rowsNotMatching,
      cardsInWrongChannel: wrongChannel.length,
      jobs: Object.fromEntries(jobStates.map((j) => [j.state, j.n])),
      perChannel: channelWindows,
      timedOut,
    };

    printTable(
      ['card fan-out', 'value'],
      [
        ['cards (steps ready at activation)', `${cards} over ${CHANNELS} channels`],
        [
          'theoretical minimum, first to last card',
          `${fmtS(allowedMs)} (${figures.allowedRatePerSecond}/s; greedy schedule ${fmtS(minimum.greedyMs)})`,
        ],
        ['first card after the worker started', `${fmtMs(firstMs)}`],
        ['first to last card (measured)', `${fmtS(windowMs)} (${figures.achievedRatePerSecond}/s)`],
        ['achieved / allowed rate', `${(rateShare * 100).toFixed(1)} %`],
        ['all cards delivered after', fmtS(lastMs)],
        [
          'requests to the connector',
          `${records.length} (${accepted.length} card posts accepted, ${puts} PUT, ${throttled.length} × 429)`,
        ],
        ['429 not followed by an accepted retry', String(unretried.length)],
        ['lost (no accepted post or no single posted_cards row)', String(lost.size)],
        ['duplicated (a step posted twice)', String(duplicated.length)],
        ['posted_cards rows', `${rows.length} (${rowsNotMatching} not matching a returned id)`],
        ['card jobs', jobStates.map((j) => `${j.n} ${j.state}`).join(', ')],
      ],
    );
    if (wrongChannel.length > 0)
      notes.push(`card fan-out: ${wrongChannel.length} cards went to the wrong channel`);
    if (lost.size > 0) notes.push(`card fan-out: lost ${[...lost].slice(0, 10).join(', ')}`);
    if (duplicated.length > 0) notes.push(`card fan-out: duplicated ${duplicated.slice(0, 10).join(', ')}`);
    if (throttled.length > 0) {
      notes.push(
        `card fan-out: the fake connector answered 429 ${throttled.length} times (Retry-After ${figures.retryAfterSeconds.join(', ')} s)`,
      );
    }

    const targets: BenchTarget[] = [
      {
        name: 'card fan-out: achieved / allowed rate',
        value: rateShare * 100,
        unit: '%',
        target: FANOUT_TARGETS.rateShare * 100,
        pass: rateShare >= FANOUT_TARGETS.rateShare,
        atLeast: true,
      },
      { name: 'card fan-out: lost cards', value: lost.size, unit: '', target: 0, pass: lost.size === 0 },
      {
        name: 'card fan-out: duplicated cards',
        value: duplicated.length,
        unit: '',
        target: 0,
        pass: duplicated.length === 0,
      },
      {
        name: 'card fan-out: 429 left unretried',
        value: unretried.length,
        unit: '',
        target: 0,
        pass: unretried.length === 0,
      },
    ];
    return { figures, targets, notes };
  } finally {
    await worker?.stop().catch(() => undefined);
    await connector.close();
    await database?.close().catch(() => undefined);
    await dropDatabase(adminUrl, DATABASE_NAME);
  }
}

async function pendingCardJobs(database: Database): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    database.db,
    sql`select count(*)::int as n from jobs where kind = 'step-card.sync' and state in ('pending', 'running')`,
  );
  return row?.n ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

function fmtMs(ms: number): string {
  return `${ms.toFixed(0)} ms`;
}

function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** A small seeded PRNG, so runs are the same. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** True when this file is the program being run (`node dist/bench/card-fanout.js`). */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    return false;
  }
}

if (isEntryPoint(import.meta.url)) {
  runCardFanoutBench({ adminUrl: process.env.DATABASE_URL || DEFAULT_ADMIN_URL }).then(
    (result) => {
      for (const note of result.notes) console.log(`NOTE: ${note}`);
      for (const t of result.targets) {
        console.log(
          `${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.value.toFixed(1)} ${t.unit} (${t.atLeast ? '≥' : '≤'} ${t.target})`,
        );
      }
    },
    (error: unknown) => {
      console.error('card fan-out benchmark crashed:', error);
      process.exitCode = 1;
    },
  );
}
