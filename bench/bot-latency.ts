/**
 * Card-action latency benchmark (part of `npm run bench`, see docs/performance.md, "Teams bot").
 *
 * The service, plan and directory are bot-bench-service.ts's: the real service on PostgreSQL in
 * local mode, the 20,000-step plan widened to 312 ready steps, 50 team members and a pilot who
 * activates Run1. The client is load-client.ts's: virtual users pressing step-card buttons
 * (`adaptiveCard/action` invokes over loopback HTTP) from a thread of their own.
 *
 * The load model: "50 concurrent users" is 50 virtual users, each with at most one press in
 * flight. A user presses, waits for the whole answer, thinks, and presses again. Two pacings:
 * - **people** (the targets): a think time drawn uniformly from 1 to 4 s after each answer, the
 *   time a person takes to read the refreshed card, find the next button and click it (see
 *   docs/performance.md for why). About 20 presses per second from 50 people.
 * - **saturated** (for information): no think time, so 50 requests are in flight all along. It
 *   measures throughput, not what a person sees: latency is then 50 / throughput.
 * Both handlers get both pacings, in the same run: first our service (its job worker running, as
 * in production, where it shares the process, the CPU and the pool with the card actions, every
 * press enqueuing a card update and, for a step, a pilots' notice), then a bare botbuilder
 * `CloudAdapter` echoing a fixed card, which gets the same bodies from the same users with the
 * same think times (the recorded ones), with our worker stopped.
 *
 * Between our runs and the bare handler's, with our worker stopped, the cost of one press counted
 * (press-cost.ts): SQL statements, main-thread and PostgreSQL CPU per press, one at a time, for
 * ours and the bare handler; these figures barely depend on how busy the machine is.
 *
 * Targets, at the people pacing: our p99 ≤ 100 ms, and our p50 at most 3 × the bare handler's p50.
 *
 * Standalone: `npm run build && node dist/bench/bot-latency.js [--database NAME]` (PostgreSQL as for
 * `npm run bench`; the database is created and dropped, `runsheet_bench_bot` unless named).
 */
import os from 'node:os';
import { queryRows, type Database } from '../src/db/client.js';
import { sql } from '../src/db/orm.js';
import { DEFAULT_ADMIN_URL } from './bench-database.js';
import {
  EXTRA_ENTRY_STEPS,
  MEMBERS_PER_TEAM,
  PLAN_OPTIONS,
  startBareBot,
  startBotBenchService,
  type BareBot,
  type BotBenchService,
} from './bot-bench-service.js';
import { isEntryPoint, type BenchSectionResult, type BenchTarget } from './card-fanout.js';
import { fmtNum, latencyCells, printTable } from './print-table.js';
import {
  NO_THINK_TIME,
  pressRate,
  runLoad,
  type LoadInput,
  type LoadOutput,
  type ThinkTime,
} from './load-client.js';
import { machineLoad, watchGc } from './observe.js';
import { measurePressCost, PRESS_COST_HEADER, pressCostRows } from './press-cost.js';
import { round, roundAll, summarize, type LatencySummary } from './stats.js';

const DATABASE_NAME = 'runsheet_bench_bot';
const USERS = 50;
/** People: read the refreshed card, find the next button, click (docs/performance.md). */
const PEOPLE_THINK: ThinkTime = { minMs: 1_000, maxMs: 4_000 };
const PEOPLE_WARM_UP = 50;
const PEOPLE_MEASURED = 600;
const SATURATED_WARM_UP = 100;
const SATURATED_MEASURED = 2_000;
const COST_WARM_UP = 30;
const COST_MEASURED = 300;
/** Waiting for the activation's cards to go out before measuring; they take ~5 s. */
const INITIAL_CARDS_TIMEOUT_MS = 60_000;

export const BOT_LATENCY_TARGETS = {
  p99Ms: 100,
  /** Our p50 / the bare handler's p50, at most. */
  p50Ratio: 3,
};

interface PacedResult {
  ours: LoadOutput;
  bare: LoadOutput;
}

export async function runBotLatencyBench(options: {
  adminUrl: string;
  /** Another database than `runsheet_bench_bot`, e.g. to run beside another benchmark on the same server. */
  databaseName?: string;
}): Promise<BenchSectionResult> {
  const notes: string[] = [];
  console.log(
    `\n== Teams card-action latency: ${USERS} users over HTTP, our bot on PostgreSQL vs a bare botbuilder handler ==`,
  );
  let service: BotBenchService | undefined;
  let bare: BareBot | undefined;
  try {
    service = await startBotBenchService(options.adminUrl, options.databaseName ?? DATABASE_NAME);
    const base: LoadInput = {
      ...service.loadBase,
      mode: 'workload',
      users: USERS,
      warmUp: 0,
      measured: 0,
      think: NO_THINK_TIME,
    };

    // 1. Production's shape: the worker runs; the activation's cards go out before measuring.
    service.teams.worker.start();
    const drained = await waitForCardJobs(service.database, INITIAL_CARDS_TIMEOUT_MS);
    console.log(
      `the worker posted the ${service.initiallyReady.length} ready cards in ${(drained.ms / 1000).toFixed(1)} s; measuring`,
    );
    const requestsBefore = (await service.connector.records()).length;
    const loadBefore = machineLoad();
    const gcWatch = watchGc();
    const oursPeople = await loadOrThrow('people-paced', {
      ...base,
      warmUp: PEOPLE_WARM_UP,
      measured: PEOPLE_MEASURED,
      think: PEOPLE_THINK,
    });
    // Whether the worker keeps up with people: its backlog once they have stopped pressing.
    const backlogAfterPeople = await pendingJobs(service.database);
    const oursSaturated = await loadOrThrow('saturated', {
      ...base,
      initiallyReady: oursPeople.readyLeft,
      warmUp: SATURATED_WARM_UP,
      measured: SATURATED_MEASURED,
    });
    const gc = await gcWatch.stop();
    const loadAfter = machineLoad();
    const backlog = await pendingJobs(service.database);
    const records = (await service.connector.records()).slice(requestsBefore);
    await service.teams.worker.stop();

    // 2. What one press costs alone, the worker stopped (its backlog waits).
    const cost = await measurePressCost(
      service.server,
      { ...base, initiallyReady: oursSaturated.readyLeft, warmUp: COST_WARM_UP, measured: COST_MEASURED },
      { countSql: true, database: service.database },
    );

    // 3. The bare handler: the same users, bodies and think times.
    bare = await startBareBot(oursPeople.sampleCard ?? { type: 'AdaptiveCard', version: '1.5', body: [] });
    const replay = (ours: LoadOutput, input: Pick<LoadInput, 'warmUp' | 'measured'>): LoadInput => ({
      ...base,
      ...input,
      url: bare!.url,
      mode: 'replay',
      recorded: { bodies: ours.bodies, userOf: ours.userOf, thinkMsAfter: ours.thinkMsAfter },
    });
    const bareCost = await measurePressCost(
      bare.server,
      replay(cost.load, { warmUp: COST_WARM_UP, measured: COST_MEASURED }),
      { countSql: false },
    );
    const people: PacedResult = {
      ours: oursPeople,
      bare: await loadOrThrow(
        'bare, people-paced',
        replay(oursPeople, { warmUp: PEOPLE_WARM_UP, measured: PEOPLE_MEASURED }),
      ),
    };
    const saturated: PacedResult = {
      ours: oursSaturated,
      bare: await loadOrThrow(
        'bare, saturated',
        replay(oursSaturated, { warmUp: SATURATED_WARM_UP, measured: SATURATED_MEASURED }),
      ),
    };

    // 4. The report.
    const summaries = {
      people: { ours: summarize(people.ours.latencies), bare: summarize(people.bare.latencies) },
      saturated: { ours: summarize(saturated.ours.latencies), bare: summarize(saturated.bare.latencies) },
    };
    const ratio = (pacing: keyof typeof summaries) => summaries[pacing].ours.p50 / summaries[pacing].bare.p50;
    const thinkText = `${PEOPLE_THINK.minMs / 1000}–${PEOPLE_THINK.maxMs / 1000} s`;
    const row = (label: string, s: LatencySummary, perSecond: number) => [
      ...latencyCells(label, s),
      Number.isNaN(perSecond) ? '' : perSecond.toFixed(0),
    ];
    console.log(`\nCard-action round trip over HTTP, ms (${USERS} users, each one press at a time)`);
    printTable(
      ['handler, pacing', 'n', 'mean', 'p50', 'p95', 'p99', 'max', 'presses/s'],
      [
        row(`runsheet, think ${thinkText}`, summaries.people.ours, pressRate(people.ours)),
        ...byKind(people.ours).map(([kind, s]) => row(`  ${kind}`, s, Number.NaN)),
        row(`bare handler, think ${thinkText}`, summaries.people.bare, pressRate(people.bare)),
        row('runsheet, no think time (saturated)', summaries.saturated.ours, pressRate(saturated.ours)),
        row('bare handler, no think time (saturated)', summaries.saturated.bare, pressRate(saturated.bare)),
      ],
    );
    console.log(
      `p50 ratio (runsheet / bare): ${ratio('people').toFixed(2)} × with think time, ${ratio('saturated').toFixed(2)} × saturated`,
    );
    console.log('\nCost of one press, one at a time, worker stopped (warm-up excluded)');
    printTable(PRESS_COST_HEADER, pressCostRows(cost.cost, bareCost.cost));

    const cardPosts = records.filter((r) => r.method === 'POST' && r.step !== null).length;
    const cardUpdates = records.filter((r) => r.method === 'PUT').length;
    const notices = records.filter((r) => r.method === 'POST' && r.step === null).length;
    const throttled = records.filter((r) => r.status === 429).length;
    const stepsCompleted = oursPeople.stepsCompleted + oursSaturated.stepsCompleted;
    console.log(
      `meanwhile the worker sent ${cardUpdates} card updates, ${cardPosts} new cards and ${notices} pilots' ` +
        `notices (${throttled} × 429); jobs waiting: ${backlogAfterPeople} after the people-paced run, ` +
        `${backlog} after the saturated one; ${stepsCompleted} steps completed; ` +
        `GC: ${gc.count} pauses, ${gc.totalMs.toFixed(0)} ms, longest ${gc.maxMs.toFixed(1)} ms`,
    );
    if (loadBefore.busy || loadAfter.busy) {
      notes.push(
        `card actions: the machine was busy (load average ${loadBefore.loadAverage1m.toFixed(1)} before, ` +
          `${loadAfter.loadAverage1m.toFixed(1)} after, on ${os.cpus().length} CPUs)`,
      );
    }

    const pacingFigures = (result: PacedResult, s: (typeof summaries)['people'], pacing: string) => ({
      pacing,
      runsheetMs: roundAll(s.ours),
      runsheetByKindMs: Object.fromEntries(byKind(result.ours).map(([k, v]) => [k, roundAll(v)])),
      bareMs: roundAll(s.bare),
      p50Ratio: round(s.ours.p50 / s.bare.p50, 2),
      runsheetPressesPerSecond: round(pressRate(result.ours), 1),
      barePressesPerSecond: round(pressRate(result.bare), 1),
      meanInFlight: round(meanInFlight(result.ours), 1),
    });
    const figures = {
      workload:
        `${USERS} virtual users, each with at most one press in flight, pressing step-card buttons ` +
        '(Action.Execute invokes to POST /api/messages over loopback HTTP, with seen statuses): step start, ' +
        'task start + done for each task, step done; our service in local mode on PostgreSQL with its job ' +
        'worker running against a fake connector; the bare handler (a CloudAdapter on restify echoing a fixed ' +
        'card) gets the same bodies from the same users with the same think times',
      plan: `${PLAN_OPTIONS.steps} generated steps (seed ${PLAN_OPTIONS.seed}), predecessors of ${EXTRA_ENTRY_STEPS} Run1 steps dropped`,
      directory: `${service.members.length} team members, ${MEMBERS_PER_TEAM} per team, and a pilot`,
      databasePoolMax: service.config.databasePoolMax,
      initiallyReady: service.initiallyReady.length,
      people: {
        ...pacingFigures(people, summaries.people, `think time ${thinkText} (uniform) after each answer`),
        warmUp: PEOPLE_WARM_UP,
        jobsWaitingAtEnd: backlogAfterPeople,
      },
      saturated: {
        ...pacingFigures(saturated, summaries.saturated, 'no think time: every user presses again at once'),
        warmUp: SATURATED_WARM_UP,
      },
      pressCost: {
        method:
          'one press at a time, worker stopped: statements sent by the pg driver, CPU of the main thread ' +
          "and of the database's backends (/proc)",
        runsheet: cost.cost,
        bare: bareCost.cost,
      },
      worker: { cardUpdates, cardPosts, notices, throttled },
      jobsWaitingAtEnd: backlog,
      stepsCompleted,
      gcPauses: { count: gc.count, totalMs: round(gc.totalMs, 1), maxMs: round(gc.maxMs, 1) },
      loadAverage1m: { before: round(loadBefore.loadAverage1m, 2), after: round(loadAfter.loadAverage1m, 2) },
    };
    const targets: BenchTarget[] = [
      {
        name: `card action p99 (${USERS} users, think ${thinkText}, HTTP, PostgreSQL)`,
        value: summaries.people.ours.p99,
        unit: 'ms',
        target: BOT_LATENCY_TARGETS.p99Ms,
        pass: summaries.people.ours.p99 <= BOT_LATENCY_TARGETS.p99Ms,
      },
      {
        name: 'card action p50 / bare botbuilder p50 (same users and pacing)',
        value: ratio('people'),
        unit: '×',
        target: BOT_LATENCY_TARGETS.p50Ratio,
        pass: ratio('people') <= BOT_LATENCY_TARGETS.p50Ratio,
      },
    ];
    for (const t of targets) {
      console.log(
        `${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${fmtNum(t.value)} ${t.unit} (limit ${t.target} ${t.unit})`,
      );
    }
    return { figures, targets, notes };
  } finally {
    await bare?.close().catch(() => undefined);
    await service?.close();
  }
}

/** Runs a load; a press that was not applied as planned stops the benchmark. */
async function loadOrThrow(label: string, input: LoadInput): Promise<LoadOutput> {
  const output = await runLoad(input);
  if (output.failures.length > 0) {
    throw new Error(
      `${label}: ${output.failureCount} card actions were not applied as planned, e.g.: ${output.failures.slice(0, 3).join(' | ')}`,
    );
  }
  return output;
}

function byKind(output: LoadOutput): [string, LatencySummary][] {
  return [...new Set(output.kinds)].map((kind) => [
    kind,
    summarize(output.latencies.filter((_, i) => output.kinds[i] === kind)),
  ]);
}

/** Requests in flight on average over the measured part (Little's law: latency × rate). */
function meanInFlight(output: LoadOutput): number {
  return output.latencies.reduce((a, b) => a + b, 0) / output.measuredWallMs;
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

if (isEntryPoint(import.meta.url)) {
  const databaseAt = process.argv.indexOf('--database');
  runBotLatencyBench({
    adminUrl: process.env.DATABASE_URL || DEFAULT_ADMIN_URL,
    databaseName: databaseAt > 0 ? process.argv[databaseAt + 1] : undefined,
  }).then(
    (result) => {
      for (const note of result.notes) console.log(`NOTE: ${note}`);
    },
    (error: unknown) => {
      console.error('card-action latency benchmark crashed:', error);
      process.exitCode = 1;
    },
  );
}
