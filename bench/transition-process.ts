/**
 * The transitions of the benchmark, in a process of their own (started by bench/run.ts, see
 * docs/performance.md), so that its memory is that of a service serving commands on the imported
 * plan and nothing else: it opens the benchmark database, loads the plan snapshot, activates the
 * iteration as a pilot and runs the workload through `Engine.execute`. It prints one JSON
 * document (`TransitionFigures`) on stdout.
 *
 * Usage: node dist/bench/transition-process.js (environment: BENCH_DATABASE_URL, BENCH_ITERATION)
 */
import { sql } from '../src/db/orm.js';
import { openDatabase, queryRows } from '../src/db/client.js';
import { Engine } from '../src/engine/engine.js';
import { liveHeapMB, machineLoad, watchGc } from './observe.js';
import { memoryNow, peakRssMB, summarize, timed } from './stats.js';
import {
  MEASURED_COMMANDS,
  STEPS_IN_FLIGHT,
  WARM_UP_COMMANDS,
  WORKLOAD_SEED,
  type TransitionFigures,
} from './transition-figures.js';
import { benchDirectory, loadWorkSteps, PILOT, runWorkload } from './workload.js';

async function main(): Promise<void> {
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  const iteration = process.env.BENCH_ITERATION;
  if (!databaseUrl || !iteration) throw new Error('set BENCH_DATABASE_URL and BENCH_ITERATION');
  const rssAtStart = memoryNow().rssMB;
  const database = await openDatabase({ databaseUrl, dataDir: '' });
  try {
    const teams = await queryRows<{ name: string }>(
      database.db,
      sql`select name from teams where not archived order by id`,
    );
    const [meta] = await queryRows<{ revision: number }>(
      database.db,
      sql`select revision from plan_meta where id = 1`,
    );
    const engine = new Engine({ database, directory: benchDirectory(teams.map((t) => t.name)) });
    // What the first command after an import pays; measured apart from the activation.
    const snapshot = await timed(() => engine.plans.get(database.db, meta?.revision ?? 0));
    const rssAfterSnapshot = memoryNow().rssMB;
    const activation = await timed(() =>
      engine.execute({
        action: 'activate',
        subject: iteration,
        actor: { aadObjectId: PILOT.aadObjectId },
        source: 'teams',
      }),
    );
    if (activation.result.outcome !== 'applied') {
      throw new Error(
        `activating ${iteration} was ${activation.result.outcome}: ${activation.result.message}`,
      );
    }
    const rssAfterActivation = memoryNow().rssMB;

    const loadBefore = machineLoad();
    const gcWatch = watchGc();
    const workload = await runWorkload({
      engine,
      iteration,
      steps: await loadWorkSteps(database.db),
      initiallyReady: activation.result.becameReady,
      warmUp: WARM_UP_COMMANDS,
      measured: MEASURED_COMMANDS,
      inFlight: STEPS_IN_FLIGHT,
      seed: WORKLOAD_SEED,
    });
    const gcPauses = await gcWatch.stop();
    const loadAfter = machineLoad();
    const rssAfterTransitions = memoryNow().rssMB;
    const peakRss = peakRssMB();

    const figures: TransitionFigures = {
      snapshotSteps: snapshot.result.steps.length,
      snapshotLoadMs: snapshot.ms,
      activationMs: activation.ms,
      activationMessage: activation.result.message,
      initiallyReady: activation.result.becameReady.length,
      transitions: summarize(workload.latencies),
      byKind: Object.fromEntries(
        Object.entries(workload.byKind).map(([kind, latencies]) => [kind, summarize(latencies)]),
      ),
      warmUpMaxMs: Math.max(...workload.warmUpLatencies),
      wallMs: workload.wallMs,
      gcPauses,
      stepsCompleted: workload.stepsCompleted,
      stepsMadeReady: workload.stepsMadeReady,
      propagatingCommands: workload.propagatingCommands,
      loadAverage1m: {
        beforeTransitions: loadBefore.loadAverage1m,
        afterTransitions: loadAfter.loadAverage1m,
        busy: loadBefore.busy || loadAfter.busy,
      },
      memoryMB: {
        rssAtStart,
        rssAfterSnapshot,
        rssAfterActivation,
        rssAfterTransitions,
        peakRss,
        // Forces a full collection: only once nothing is measured any more.
        liveHeapAtEnd: liveHeapMB(),
      },
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error('transition process failed:', error);
  process.exitCode = 1;
});
