/**
 * The performance benchmark (`npm run bench`, see docs/performance.md). On a fresh PostgreSQL
 * database `runsheet_bench` it measures, for a generated plan of 20,000 steps, each step in a
 * process of its own, so that each process's peak memory is its own:
 *
 * 1. generating the plan as a JSON file (bench/generate-plan-file.ts);
 * 2. the import: the real CLI, `node bin/runsheet.js import FILE`, wall time and peak RSS;
 * 3. the re-import of the same file (the update path), the same way;
 * 4. in one process serving commands (bench/transition-process.ts): loading the plan snapshot,
 *    activating Run1 as a pilot, and 1,000 transitions through `Engine.execute` after a warm-up;
 * 5. then the Teams bot, in databases of their own: card-action latency over HTTP against a bare
 *    botbuilder handler (bench/bot-latency.ts) and the fan-out of 300 cards under Teams' rate limits
 *    (bench/card-fanout.ts).
 *
 * Peak RSS is measured from outside each process (GNU time, bench/measured-process.ts). It prints
 * a table with the targets, writes bench/results.json, and drops the database. A missed target is
 * reported and still exits 0; a crash of the benchmark itself exits 1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from '../src/db/orm.js';
import { verifyAuditChain } from '../src/audit/verify-audit.js';
import { openDatabase, packageRoot, queryRows, type Database } from '../src/db/client.js';
import type { StoredPlanSummary } from '../src/engine/store-plan.js';
import {
  adminQuery,
  BENCH_DATABASE,
  DEFAULT_ADMIN_URL,
  dropDatabase,
  recreateDatabase,
  serverVersion,
  withDatabaseName,
} from './bench-database.js';
import type { GeneratePlanOptions } from './generate-plan.js';
import type { PlanShape } from './generate-plan-file.js';
import { runMeasured, type MeasuredRun } from './measured-process.js';
import { fmtNum, latencyCells, printTable } from './print-table.js';
import { Engine } from '../src/engine/engine.js';
import { benchDirectory, PILOT } from './workload.js';
import type { GcPauses } from './observe.js';
import { peakRssMB, round, roundAll, timed, type LatencySummary } from './stats.js';
import {
  MEASURED_COMMANDS,
  STEPS_IN_FLIGHT,
  WARM_UP_COMMANDS,
  type TransitionFigures,
} from './transition-figures.js';
// Teams bot benchmarks, run after the core figures (see the hook in main).
import { runBotLatencyBench } from './bot-latency.js';
import { runCardFanoutBench } from './card-fanout.js';
import { runTabBoardBench } from './tab-board.js';
import { runPlannerBench } from './planner.js';

const PLAN_OPTIONS: GeneratePlanOptions = { steps: 20_000, seed: 1 };
const ITERATION = 'Run1';
/** The whole benchmark takes about a minute; past this, something hangs and it gives up. */
const WATCHDOG_MS = 10 * 60_000;

const TARGETS = {
  importSeconds: 20,
  transitionP99Ms: 10,
  peakRssMB: 300,
};

/** One run of `runsheet import FILE --json` in a process of its own. */
interface ImportFigures {
  /** Wall time of the whole command: start, validation, storing, exit. */
  totalMs: number;
  peakRssMB: number;
  summary: StoredPlanSummary;
}

interface TargetResult {
  name: string;
  value: number;
  unit: string;
  target: number;
  pass: boolean;
  /** The measured value must reach the target (≥) rather than stay under it (≤). */
  atLeast?: boolean;
}

/** The compiled scripts the benchmark runs, next to this one in dist/bench, and the CLI. */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const RUNSHEET_CLI = path.join(packageRoot(), 'bin', 'runsheet.js');

async function main(): Promise<void> {
  const adminUrl = process.env.DATABASE_URL || DEFAULT_ADMIN_URL;
  const benchUrl = withDatabaseName(adminUrl, BENCH_DATABASE);
  const startedAt = new Date();
  const notes: string[] = [];

  console.log(`runsheet benchmark — ${startedAt.toISOString()}`);
  const postgresVersion = await serverVersion(adminUrl);
  console.log(`PostgreSQL: ${postgresVersion}`);
  console.log(`Node ${process.version}, ${os.cpus().length} CPU(s): ${os.cpus()[0]?.model ?? 'unknown'}`);

  await recreateDatabase(adminUrl, BENCH_DATABASE);
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'runsheet-bench-'));
  let database: Database | undefined;
  try {
    database = await openDatabase({ databaseUrl: benchUrl, dataDir: '' });
    const migration = await timed(() => database!.migrate());
    console.log(`database ${BENCH_DATABASE} created and migrated in ${fmtMs(migration.ms)}`);

    // The plan arrives as a JSON file, written by a process of its own: no process measured below
    // has ever held the generated plan.
    const planFile = path.join(workDirectory, 'bench-plan.json');
    const generation = await runMeasured(
      [
        process.execPath,
        path.join(HERE, 'generate-plan-file.js'),
        planFile,
        String(PLAN_OPTIONS.steps),
        String(PLAN_OPTIONS.seed),
        ITERATION,
      ],
      process.env,
    );
    const shape = JSON.parse(generation.stdout) as PlanShape;
    console.log(
      `generated ${shape.steps} steps, ${shape.tasks} tasks, ${shape.controls} controls, ` +
        `${shape.predecessorLinks} predecessor links, ${shape.chapters} chapters, ${shape.teams} teams ` +
        `(${shape.jsonMB.toFixed(1)} MB of JSON) in ${fmtMs(generation.wallMs)}`,
    );

    // The CLI as a pilot runs it, against the benchmark's database and nothing else.
    const cliEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: benchUrl };
    delete cliEnv.RUNSHEET_DIRECTORY;
    const importOnce = async (label: string): Promise<ImportFigures> => {
      const run = await runMeasured([process.execPath, RUNSHEET_CLI, 'import', planFile, '--json'], cliEnv);
      const figures = {
        totalMs: run.wallMs,
        peakRssMB: run.peakRssMB,
        summary: JSON.parse(run.stdout) as StoredPlanSummary,
      };
      console.log(
        `${label}: runsheet import in ${fmtMs(figures.totalMs)}, peak RSS ${figures.peakRssMB.toFixed(0)} MB ` +
          `(revision ${figures.summary.revision}, new steps ${figures.summary.created.steps}, ` +
          `new tasks ${figures.summary.created.tasks})`,
      );
      return figures;
    };
    const firstImport = await importOnce('import');
    const reImport = await importOnce('re-import');
    if (reImport.summary.created.steps !== 0 || reImport.summary.archived.steps !== 0) {
      throw new Error(
        're-import of the same plan created or archived steps: the update path is not matching',
      );
    }

    const transitionRun = await runMeasured([process.execPath, path.join(HERE, 'transition-process.js')], {
      ...process.env,
      BENCH_DATABASE_URL: benchUrl,
      BENCH_ITERATION: ITERATION,
    });
    const served = JSON.parse(transitionRun.stdout) as TransitionFigures;
    console.log(`plan snapshot (${served.snapshotSteps} steps) loaded in ${fmtMs(served.snapshotLoadMs)}`);
    console.log(`${served.activationMessage} (${fmtMs(served.activationMs)})`);
    console.log(
      `${WARM_UP_COMMANDS} warm-up + ${MEASURED_COMMANDS} measured commands in ${fmtMs(served.wallMs)}: ` +
        `${served.stepsCompleted} steps completed, ${served.stepsMadeReady} steps made ready by ` +
        `${served.propagatingCommands} of the step.done commands`,
    );

    const settings = await queryRows<{ name: string; setting: string; unit: string | null }>(
      database.db,
      sql`select name, setting, unit from pg_settings
          where name in ('autovacuum', 'synchronous_commit', 'fsync', 'shared_buffers', 'max_connections')`,
    );
    // The tab's and the planner's read models run in this process, on the activated iteration.
    const teams = await queryRows<{ name: string }>(
      database.db,
      sql`select name from teams where not archived order by id`,
    );
    const engine = new Engine({ database, directory: benchDirectory(teams.map((t) => t.name)) });
    const planner = await runPlannerBench({ engine, database, iteration: ITERATION });
    const audit = await timed(() => verifyAuditChain(database!.db));
    if (!audit.result.ok) throw new Error(`the audit chain is broken: ${audit.result.problems.join('; ')}`);
    const [jobs] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from jobs`);

    const memory = {
      generationPeakRssMB: generation.peakRssMB,
      importPeakRssMB: firstImport.peakRssMB,
      reImportPeakRssMB: reImport.peakRssMB,
      transitionProcessPeakRssMB: transitionRun.peakRssMB,
      transitionProcess: served.memoryMB,
    };
    const targets: TargetResult[] = [
      target(
        'import of 20,000 steps (runsheet import, wall time)',
        firstImport.totalMs / 1000,
        's',
        TARGETS.importSeconds,
      ),
      target('transition latency p99', served.transitions.p99, 'ms', TARGETS.transitionP99Ms),
      target('peak RSS, import process', firstImport.peakRssMB, 'MB', TARGETS.peakRssMB),
      target('peak RSS, re-import process', reImport.peakRssMB, 'MB', TARGETS.peakRssMB),
      target('peak RSS, process serving the transitions', transitionRun.peakRssMB, 'MB', TARGETS.peakRssMB),
    ];
    printReport({
      firstImport,
      reImport,
      snapshotMs: served.snapshotLoadMs,
      activationMs: served.activationMs,
    });
    printLatencies(served.transitions, served.byKind, served.warmUpMaxMs, served.gcPauses);
    printMemory(generation, firstImport, reImport, transitionRun, served);
    const loadBefore = served.loadAverage1m.beforeTransitions;
    const loadAfter = served.loadAverage1m.afterTransitions;

    // ---- The tab's board on this database (bench/tab-board.ts) ----
    const tabBoard = await runTabBoardBench({
      database,
      directory: engine.directory,
      engine,
      iteration: ITERATION,
      pilotEmail: PILOT.email,
    });
    targets.push(...tabBoard.targets);
    notes.push(...tabBoard.notes);

    // ---- Teams bot benchmarks (bench/bot-latency.ts, bench/card-fanout.ts), after the core figures ----
    const botLatency = await runBotLatencyBench({ adminUrl });
    const cardFanout = await runCardFanoutBench({ adminUrl });
    targets.push(...botLatency.targets, ...cardFanout.targets, ...planner.targets);
    notes.push(...botLatency.notes, ...cardFanout.notes);
    // ---- end of the Teams bot benchmarks ----
    targets.push(...(await import('./forecast.js')).runForecastBench().targets); // bench/forecast.ts

    printTargets(targets);
    if (served.loadAverage1m.busy) {
      notes.push(
        `the machine was busy while the transitions ran (1-minute load average ${loadBefore.toFixed(1)} ` +
          `before, ${loadAfter.toFixed(1)} after, on ${os.cpus().length} CPUs): other processes ` +
          'competed for the CPUs, so the latencies are pessimistic',
      );
    }
    for (const note of notes) console.log(`NOTE: ${note}`);

    const results = {
      date: startedAt.toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        totalMemoryMB: Math.round(os.totalmem() / 1024 / 1024),
        platform: `${os.platform()} ${os.release()}`,
        node: process.version,
        postgres: postgresVersion,
        postgresSettings: Object.fromEntries(
          settings.map((row) => [row.name, row.unit ? `${row.setting} × ${row.unit}` : row.setting]),
        ),
        loadAverage1m: { beforeTransitions: round(loadBefore, 2), afterTransitions: round(loadAfter, 2) },
      },
      plan: { ...PLAN_OPTIONS, ...shape, jsonMB: round(shape.jsonMB, 1) },
      figures: {
        generationMs: round(generation.wallMs),
        import: importFigures(firstImport),
        reImport: importFigures(reImport),
        snapshotLoadMs: round(served.snapshotLoadMs),
        activation: {
          iteration: ITERATION,
          ms: round(served.activationMs),
          note: 'with the plan snapshot already loaded (see snapshotLoadMs)',
          initiallyReady: served.initiallyReady,
        },
        transitions: {
          workload:
            'team members through Engine.execute from Teams cards (seen status given): step start, ' +
            'task start + task done for each of its tasks, step done; ready steps picked at random, ' +
            `${STEPS_IN_FLIGHT} steps in flight, commands interleaved, one at a time`,
          warmUpCommands: WARM_UP_COMMANDS,
          warmUpMaxMs: round(served.warmUpMaxMs, 2),
          measuredCommands: served.transitions.count,
          latencyMs: roundAll(served.transitions),
          byKindMs: Object.fromEntries(Object.entries(served.byKind).map(([kind, s]) => [kind, roundAll(s)])),
          wallMs: round(served.wallMs),
          gcPauses: {
            ...served.gcPauses,
            totalMs: round(served.gcPauses.totalMs, 1),
            maxMs: round(served.gcPauses.maxMs, 1),
          },
          stepsCompleted: served.stepsCompleted,
          stepsMadeReady: served.stepsMadeReady,
          commandsPerSecond: round(((WARM_UP_COMMANDS + MEASURED_COMMANDS) * 1000) / served.wallMs, 1),
        },
        memoryMB: {
          method:
            'peak resident set size of each process, measured from outside by GNU time (%M, the ' +
            "child's ru_maxrss); the transition process also reports its RSS along the way",
          generationProcessPeak: round(memory.generationPeakRssMB, 1),
          importProcessPeak: round(memory.importPeakRssMB, 1),
          reImportProcessPeak: round(memory.reImportPeakRssMB, 1),
          transitionProcessPeak: round(memory.transitionProcessPeakRssMB, 1),
          transitionProcess: Object.fromEntries(
            Object.entries(memory.transitionProcess).map(([key, value]) => [key, round(value, 1)]),
          ),
          benchmarkProcessPeak: round(peakRssMB(), 1),
          benchmarkProcessNote:
            'the benchmark process itself (orchestration, audit check, the Teams bot benchmarks); no target',
        },
        auditEvents: audit.result.events,
        auditVerifyMs: round(audit.ms),
        jobsEnqueued: jobs?.n ?? 0,
        teamsBot: { cardActionLatency: botLatency.figures, cardFanout: cardFanout.figures },
        tabBoard: tabBoard.figures,
        planner: planner.figures,
      },
      targets: targets.map((t) => ({ ...t, value: round(t.value, 2) })),
      allTargetsMet: targets.every((t) => t.pass),
      notes,
    };
    const resultsFile = path.join(packageRoot(), 'bench', 'results.json');
    writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nresults written to ${path.relative(process.cwd(), resultsFile) || resultsFile}`);
    console.log(
      results.allTargetsMet ? 'ALL TARGETS MET' : `TARGETS MISSED: ${targets.filter((t) => !t.pass).length}`,
    );
  } finally {
    await database?.close().catch(() => undefined);
    rmSync(workDirectory, { recursive: true, force: true });
    await dropDatabase(adminUrl, BENCH_DATABASE);
    console.log(`database ${BENCH_DATABASE} dropped`);
  }
}

function importFigures(figures: ImportFigures) {
  return {
    totalMs: round(figures.totalMs),
    peakRssMB: round(figures.peakRssMB, 1),
    revision: figures.summary.revision,
    created: figures.summary.created,
    archived: figures.summary.archived,
  };
}

function target(name: string, value: number, unit: string, limit: number): TargetResult {
  return { name, value, unit, target: limit, pass: value <= limit };
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

function printReport(figures: {
  firstImport: ImportFigures;
  reImport: ImportFigures;
  snapshotMs: number;
  activationMs: number;
}): void {
  const importRow = (label: string, f: ImportFigures): string[] => [
    label,
    fmtMs(f.totalMs),
    `${f.peakRssMB.toFixed(0)} MB`,
  ];
  console.log('\nImport (20,000 steps): `runsheet import FILE`, each in a process of its own');
  printTable(
    ['', 'wall time', 'peak RSS'],
    [importRow('first import', figures.firstImport), importRow('re-import (update path)', figures.reImport)],
  );
  console.log(`\nIteration ${ITERATION}`);
  printTable(
    ['', 'time'],
    [
      ['plan snapshot load (first command after an import)', fmtMs(figures.snapshotMs)],
      ['activate (snapshot loaded)', fmtMs(figures.activationMs)],
    ],
  );
}

function printLatencies(
  all: LatencySummary,
  byKind: Record<string, LatencySummary>,
  warmUpMaxMs: number,
  gc: GcPauses,
): void {
  console.log(
    `\nTransition latency, ms (Engine.execute; ${WARM_UP_COMMANDS} warm-up commands excluded, slowest of them ${fmtNum(warmUpMaxMs)} ms)`,
  );
  printTable(
    ['commands', 'n', 'mean', 'p50', 'p95', 'p99', 'max'],
    [latencyCells('all', all), ...Object.entries(byKind).map(([kind, s]) => latencyCells(kind, s))],
  );
  console.log(
    `GC pauses of the transition process meanwhile: ${gc.count} (${gc.major} major), ` +
      `${fmtNum(gc.totalMs)} ms in all, longest ${fmtNum(gc.maxMs)} ms`,
  );
}

function printMemory(
  generation: MeasuredRun,
  firstImport: ImportFigures,
  reImport: ImportFigures,
  transitionRun: MeasuredRun,
  served: TransitionFigures,
): void {
  console.log('\nMemory: peak resident set size of each process (GNU time), MB');
  const mb = (value: number) => value.toFixed(0);
  printTable(
    ['process', 'peak RSS'],
    [
      ['generating the plan file (no target)', mb(generation.peakRssMB)],
      ['runsheet import FILE', mb(firstImport.peakRssMB)],
      ['runsheet import FILE, again (update path)', mb(reImport.peakRssMB)],
      ['serving commands: snapshot, activation, transitions', mb(transitionRun.peakRssMB)],
      ['  its RSS at start (modules loaded, database open)', mb(served.memoryMB.rssAtStart)],
      ['  after loading the plan snapshot', mb(served.memoryMB.rssAfterSnapshot)],
      ['  after activating Run1', mb(served.memoryMB.rssAfterActivation)],
      ['  after the transitions', mb(served.memoryMB.rssAfterTransitions)],
      ['  its live V8 heap at the end (after a full collection)', mb(served.memoryMB.liveHeapAtEnd)],
      ['this benchmark process so far (no target)', mb(peakRssMB())],
    ],
  );
}

function printTargets(targets: readonly TargetResult[]): void {
  console.log('\nTargets');
  printTable(
    ['target', 'measured', 'limit', 'result'],
    targets.map((t) => [
      t.name,
      `${fmtNum(t.value)} ${t.unit}`,
      `${t.atLeast ? '≥' : '≤'} ${t.target} ${t.unit}`,
      t.pass ? 'PASS' : 'FAIL  <<<',
    ]),
  );
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

const watchdog = setTimeout(() => {
  console.error(`benchmark: still running after ${WATCHDOG_MS / 60_000} minutes; giving up`);
  const adminUrl = process.env.DATABASE_URL || DEFAULT_ADMIN_URL;
  void adminQuery(adminUrl, `drop database if exists ${BENCH_DATABASE} with (force)`)
    .catch(() => undefined)
    .finally(() => process.exit(1));
}, WATCHDOG_MS);
watchdog.unref();

main().then(
  () => {
    clearTimeout(watchdog);
  },
  (error: unknown) => {
    clearTimeout(watchdog);
    console.error('benchmark crashed:', error);
    process.exitCode = 1;
  },
);
