/**
 * Forecast benchmark (a section of `npm run bench`; alone: `npm run build && node dist/bench/forecast.js`).
 * Pure computation, no database: the generated 20,000-step plan (bench/generate-plan.ts), Run1's
 * scope, and a weekend half played: the first 40 % of the steps in dependency order DONE with
 * actual times, the next ones IN_PROGRESS, a few ON_HOLD and FAILED, the rest OPEN, some with a
 * fixed start. It measures:
 *
 * 1. building the forecast cold (effective links, topological order, full pass);
 * 2. a full recompute (`setNow`, what every new minute costs), the figure with the 50 ms target;
 * 3. an incremental recompute after one step changes (`update`), for steps taken at random.
 */
import { pathToFileURL } from 'node:url';
import { IterationForecast, openStepFacts, type StepTimingFacts } from '../src/domain/forecast.js';
import { buildPlanGraph } from '../src/domain/plan-graph.js';
import { IterationScope } from '../src/domain/readiness.js';
import { mulberry32, type BenchSectionResult, type BenchTarget } from './card-fanout.js';
import { generatePlan } from './generate-plan.js';
import { round, roundAll, summarize } from './stats.js';

const STEPS = 20_000;
const ITERATION = 'Run1';
const FULL_RUNS = 40;
const INCREMENTAL_RUNS = 2_000;
export const FORECAST_TARGETS = { fullRecomputeP99Ms: 50 };

const MINUTE = 60_000;

/** Runs the forecast benchmark and returns its figures and target. */
export function runForecastBench(): BenchSectionResult {
  console.log(`\n== Forecast and critical path: ${STEPS} steps, in-memory ==`);
  const plan = generatePlan({ steps: STEPS, seed: 1 });
  const graph = buildPlanGraph(plan.steps.map((s) => ({ key: s.id, predecessors: s.predecessors })));
  const chapterIndex = new Map(plan.chapters.map((c, i) => [c.name, i]));
  const phaseIndex = new Map(plan.phases.map((p, i) => [p.name, i]));
  const groups = {
    chapterOf: Int32Array.from(plan.steps.map((s) => chapterIndex.get(s.chapter)!)),
    phaseOfChapter: Int32Array.from(plan.chapters.map((c) => phaseIndex.get(c.phase)!)),
  };
  const random = mulberry32(7);
  const now = Date.UTC(2026, 11, 5, 23, 0);
  const inScope = (i: number) => plan.steps[i]!.scope.includes(ITERATION);

  // Dependency order, to play the first part of the weekend consistently.
  const played = new IterationScope(graph, inScope);
  const order = new IterationForecast(
    played,
    plan.steps.map((s) => openStepFacts(s.durationMinutes)),
    groups,
    now,
    { holdAllowanceMinutes: 30 },
  );
  const byStart = [...Array(STEPS).keys()]
    .filter(inScope)
    .sort((a, b) => order.startOf(a) - order.startOf(b) || a - b);
  const facts: StepTimingFacts[] = plan.steps.map((s) =>
    openStepFacts(s.durationMinutes, random() < 0.02 ? now + Math.floor(random() * 600) * MINUTE : null),
  );
  const doneUpTo = Math.floor(byStart.length * 0.4);
  byStart.forEach((index, rank) => {
    const started = now - (doneUpTo - rank) * 0.5 * MINUTE;
    const base = facts[index]!;
    if (rank < doneUpTo) {
      facts[index] = { ...base, status: 'DONE', startedAt: started, endedAt: started + 10 * MINUTE };
    } else if (rank < doneUpTo + 40) {
      const status = rank % 13 === 0 ? 'ON_HOLD' : rank % 17 === 0 ? 'FAILED' : 'IN_PROGRESS';
      facts[index] = {
        ...base,
        status,
        heldFrom: status === 'ON_HOLD' ? 'IN_PROGRESS' : null,
        startedAt: now - 20 * MINUTE,
        changedAt: now - 5 * MINUTE,
      };
    }
  });

  const coldStarted = performance.now();
  const forecast = new IterationForecast(new IterationScope(graph, inScope), facts, groups, now, {
    holdAllowanceMinutes: 30,
  });
  const coldMs = performance.now() - coldStarted;

  const full: number[] = [];
  for (let run = 0; run < FULL_RUNS; run++) {
    const started = performance.now();
    forecast.setNow(now + (run + 1) * MINUTE);
    full.push(performance.now() - started);
  }

  const incremental: number[] = [];
  let movedTotal = 0;
  const open = byStart.slice(doneUpTo);
  for (let run = 0; run < INCREMENTAL_RUNS; run++) {
    const index = open[Math.floor(random() * open.length)]!;
    const current = forecast.factsOf(index);
    const at = forecast.now;
    const next: StepTimingFacts =
      current.status === 'OPEN'
        ? { ...current, status: 'IN_PROGRESS', startedAt: at, changedAt: at }
        : { ...current, status: 'OPEN', startedAt: null, changedAt: at };
    const started = performance.now();
    movedTotal += forecast.update([{ index, facts: next }]).length;
    incremental.push(performance.now() - started);
  }

  const fullSummary = summarize(full);
  const incrementalSummary = summarize(incremental);
  const critical = forecast.criticalPath();
  console.log(`forecast built cold in ${coldMs.toFixed(1)} ms (effective links, order, full pass)`);
  console.log(
    `full recompute: p50 ${fullSummary.p50.toFixed(2)} ms, p99 ${fullSummary.p99.toFixed(2)} ms, max ${fullSummary.max.toFixed(2)} ms (${FULL_RUNS} runs)`,
  );
  console.log(
    `incremental (one step changed): p50 ${incrementalSummary.p50.toFixed(3)} ms, p99 ${incrementalSummary.p99.toFixed(3)} ms, ` +
      `${(movedTotal / INCREMENTAL_RUNS).toFixed(0)} steps moved on average (${INCREMENTAL_RUNS} runs)`,
  );
  console.log(`critical path: ${critical.length} steps`);
  const targets: BenchTarget[] = [
    {
      name: `forecast full recompute p99 (${STEPS} steps)`,
      value: fullSummary.p99,
      unit: 'ms',
      target: FORECAST_TARGETS.fullRecomputeP99Ms,
      pass: fullSummary.p99 <= FORECAST_TARGETS.fullRecomputeP99Ms,
    },
  ];
  return {
    figures: {
      steps: STEPS,
      inScope: byStart.length,
      coldBuildMs: round(coldMs, 2),
      fullRecomputeMs: roundAll(fullSummary),
      incrementalMs: roundAll(incrementalSummary),
      averageStepsMoved: round(movedTotal / INCREMENTAL_RUNS, 1),
      criticalPathSteps: critical.length,
    },
    targets,
    notes: [],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = runForecastBench();
  console.log(JSON.stringify(result, null, 2));
}
