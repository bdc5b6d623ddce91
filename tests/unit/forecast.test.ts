import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IterationForecast,
  openStepFacts,
  type ForecastWindow,
  type StepTimingFacts,
} from '../../src/domain/forecast.js';
import { buildPlanGraph, type PlanGraph } from '../../src/domain/plan-graph.js';
import { IterationScope } from '../../src/domain/readiness.js';
import { WORK_STATUSES, type WorkStatus } from '../../src/domain/statuses.js';

const MIN = 60_000;
const NOW = 1_000 * MIN;
const HOLD = 30;

// ---------------------------------------------------------------------------------------------
// The brute-force reference: the rules of forecast.ts written as plainly as possible, recursion
// and all, with effective predecessors found by a naive walk (not IterationScope).
// ---------------------------------------------------------------------------------------------

interface Case {
  graph: PlanGraph;
  inScope: boolean[];
  facts: StepTimingFacts[];
  chapterOf: number[];
  phaseOfChapter: number[];
  now: number;
}

interface Reference {
  start: number[];
  end: number[];
  driver: number[];
  finished: boolean[];
  chapters: (ForecastWindow | null)[];
  phases: (ForecastWindow | null)[];
  iteration: ForecastWindow | null;
  criticalPath: number[];
}

function naiveEffectivePredecessors(c: Case, index: number): number[] {
  const found = new Set<number>();
  const walk = (step: number, seen: Set<number>) => {
    for (const p of c.graph.predecessors[step]!) {
      if (seen.has(p)) continue;
      seen.add(p);
      if (c.inScope[p]) found.add(p);
      else walk(p, seen);
    }
  };
  walk(index, new Set([index]));
  return [...found].sort((a, b) => a - b);
}

function reference(c: Case): Reference {
  const n = c.graph.keys.length;
  const memo = new Map<number, { start: number; end: number; driver: number; finished: boolean }>();
  const forecast = (i: number): { start: number; end: number; driver: number; finished: boolean } => {
    const cached = memo.get(i);
    if (cached) return cached;
    const f = c.facts[i]!;
    const d = (f.durationMinutes ?? 0) * MIN;
    const resume = Math.max(c.now, (f.changedAt ?? c.now) + HOLD * MIN);
    let result;
    if (f.status === 'DONE' || f.status === 'CANCELLED') {
      const end = f.endedAt ?? c.now;
      result = { start: f.startedAt ?? end, end, driver: -1, finished: true };
    } else if (f.status === 'IN_PROGRESS') {
      const start = f.startedAt ?? c.now;
      result = { start, end: Math.max(c.now, start + d), driver: -1, finished: false };
    } else if (f.status === 'FAILED') {
      result = { start: f.startedAt ?? c.now, end: c.now + d, driver: -1, finished: false };
    } else if (f.status === 'ON_HOLD' && f.heldFrom !== null && f.heldFrom !== 'OPEN') {
      const heldAt = f.changedAt ?? c.now;
      const worked =
        f.heldFrom === 'IN_PROGRESS' && f.startedAt !== null ? Math.max(0, heldAt - f.startedAt) : 0;
      result = {
        start: f.startedAt ?? resume,
        end: resume + Math.max(0, d - worked),
        driver: -1,
        finished: false,
      };
    } else {
      const base = Math.max(c.now, f.notBefore ?? -Infinity, f.status === 'ON_HOLD' ? resume : -Infinity);
      const unfinished = naiveEffectivePredecessors(c, i).filter((p) => !forecast(p).finished);
      const latest = Math.max(-Infinity, ...unfinished.map((p) => forecast(p).end));
      const driver = latest >= base ? unfinished.find((p) => forecast(p).end === latest)! : -1;
      const start = Math.max(base, latest);
      result = { start, end: start + d, driver, finished: false };
    }
    memo.set(i, result);
    return result;
  };
  const inScope = [...Array(n).keys()].filter((i) => c.inScope[i]);
  const windowOf = (members: number[]): ForecastWindow | null =>
    members.length === 0
      ? null
      : {
          start: Math.min(...members.map((i) => forecast(i).start)),
          end: Math.max(...members.map((i) => forecast(i).end)),
          openSteps: members.filter((i) => !forecast(i).finished).length,
        };
  const unfinished = inScope.filter((i) => !forecast(i).finished);
  const latestEnd = Math.max(-Infinity, ...unfinished.map((i) => forecast(i).end));
  const path: number[] = [];
  for (let step = unfinished.find((i) => forecast(i).end === latestEnd) ?? -1; step !== -1;) {
    path.unshift(step);
    step = forecast(step).driver;
  }
  return {
    start: [...Array(n).keys()].map((i) => (c.inScope[i] ? forecast(i).start : NaN)),
    end: [...Array(n).keys()].map((i) => (c.inScope[i] ? forecast(i).end : NaN)),
    driver: [...Array(n).keys()].map((i) => (c.inScope[i] ? forecast(i).driver : -1)),
    finished: [...Array(n).keys()].map((i) => c.inScope[i]! && forecast(i).finished),
    chapters: c.phaseOfChapter.map((_, ch) => windowOf(inScope.filter((i) => c.chapterOf[i] === ch))),
    phases: [...new Set(c.phaseOfChapter)]
      .sort((a, b) => a - b)
      .map((ph) => windowOf(inScope.filter((i) => c.phaseOfChapter[c.chapterOf[i]!] === ph))),
    iteration: windowOf(inScope),
    criticalPath: path,
  };
}

function observed(forecast: IterationForecast, c: Case): Reference {
  const n = c.graph.keys.length;
  const phases = [...new Set(c.phaseOfChapter)].sort((a, b) => a - b);
  return {
    start: [...Array(n).keys()].map((i) => forecast.startOf(i)),
    end: [...Array(n).keys()].map((i) => forecast.endOf(i)),
    driver: [...Array(n).keys()].map((i) => forecast.driverOf(i)),
    finished: [...Array(n).keys()].map((i) => forecast.isFinished(i)),
    chapters: c.phaseOfChapter.map((_, ch) => forecast.chapter(ch)),
    phases: phases.map((ph) => forecast.phase(ph)),
    iteration: forecast.iteration(),
    criticalPath: forecast.criticalPath(),
  };
}

function forecastOf(c: Case): IterationForecast {
  const scope = new IterationScope(c.graph, (i) => c.inScope[i]!);
  return new IterationForecast(
    scope,
    c.facts,
    { chapterOf: c.chapterOf, phaseOfChapter: c.phaseOfChapter },
    c.now,
    { holdAllowanceMinutes: HOLD },
  );
}

// ---------------------------------------------------------------------------------------------
// Random cases: acyclic graphs whose index order is shuffled against the dependency order.
// ---------------------------------------------------------------------------------------------

// Times and durations on a 10-minute grid, so that ties (which the tie rules decide) are common.
const minutes = (max: number) => fc.integer({ min: 0, max: max / 10 }).map((m) => m * 10 * MIN);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

const factsArb: fc.Arbitrary<StepTimingFacts> = fc.record({
  status: fc.constantFrom<WorkStatus>(...WORK_STATUSES),
  heldFrom: maybe(fc.constantFrom<WorkStatus>('OPEN', 'IN_PROGRESS', 'FAILED')),
  startedAt: maybe(minutes(1100)),
  endedAt: maybe(minutes(1100)),
  changedAt: maybe(minutes(1100)),
  durationMinutes: maybe(fc.constantFrom(0, 10, 20, 30, 60)),
  notBefore: maybe(minutes(1300)),
});

const caseArb: fc.Arbitrary<Case> = fc
  .integer({ min: 1, max: 24 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
      edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 2 }),
      inScope: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      facts: fc.array(factsArb, { minLength: n, maxLength: n }),
      chapterOf: fc.array(fc.nat(3), { minLength: n, maxLength: n }),
      phaseOfChapter: fc.array(fc.nat(1), { minLength: 4, maxLength: 4 }),
      now: minutes(1000).map((m) => m + 200 * MIN),
    }),
  )
  .map(({ n, order, edges, inScope, facts, chapterOf, phaseOfChapter, now }) => {
    // An edge runs from the earlier to the later position of `order`, so the graph is acyclic.
    const position = new Map(order.map((step, pos) => [step, pos]));
    const predecessors: string[][] = Array.from({ length: n }, () => []);
    for (const [a, b] of edges) {
      if (a === b) continue;
      const [from, to] = position.get(a)! < position.get(b)! ? [a, b] : [b, a];
      predecessors[to]!.push(`S${from}`);
    }
    const graph = buildPlanGraph(predecessors.map((p, i) => ({ key: `S${i}`, predecessors: p })));
    return { graph, inScope, facts, chapterOf, phaseOfChapter, now };
  });

describe('IterationForecast against the brute-force reference', () => {
  it('computes the same forecast, windows and critical path on random graphs', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        expect(observed(forecastOf(c), c)).toEqual(reference(c));
      }),
      { numRuns: 400 },
    );
  });

  it('gives the same result incrementally as a full recompute, and reports exactly the steps that moved', () => {
    const updates = fc.array(fc.tuple(fc.nat(1000), factsArb), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(caseArb, updates, (c, changes) => {
        const forecast = forecastOf(c);
        for (const [at, facts] of changes) {
          const index = at % c.graph.keys.length;
          const before = observed(forecast, c);
          const moved = forecast.update([{ index, facts }]);
          c.facts[index] = facts;
          const after = reference(c);
          expect(observed(forecast, c)).toEqual(after);
          const expectedMoved = [...Array(c.graph.keys.length).keys()].filter(
            (i) =>
              c.inScope[i] &&
              (before.start[i] !== after.start[i] ||
                before.end[i] !== after.end[i] ||
                before.finished[i] !== after.finished[i]),
          );
          expect(moved).toEqual(expectedMoved);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('moves the clock with a full recompute', () => {
    fc.assert(
      fc.property(caseArb, minutes(500), (c, later) => {
        const forecast = forecastOf(c);
        forecast.setNow(c.now + later);
        expect(observed(forecast, c)).toEqual(reference({ ...c, now: c.now + later }));
      }),
      { numRuns: 200 },
    );
  });

  it('leaves the original untouched when a clone is updated', () => {
    fc.assert(
      fc.property(caseArb, factsArb, (c, facts) => {
        const forecast = forecastOf(c);
        const before = observed(forecast, c);
        forecast.clone().update([{ index: 0, facts }]);
        expect(observed(forecast, c)).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });
});

describe('IterationForecast by hand', () => {
  // A(30) -> B(60) -> D(10); A -> C(20) -> D; X out of scope between C and E(15).
  const graph = buildPlanGraph([
    { key: 'A', predecessors: [] },
    { key: 'B', predecessors: ['A'] },
    { key: 'C', predecessors: ['A'] },
    { key: 'D', predecessors: ['B', 'C'] },
    { key: 'X', predecessors: ['C'] },
    { key: 'E', predecessors: ['X'] },
  ]);
  const durations = [30, 60, 20, 10, 99, 15];
  const scope = new IterationScope(graph, (i) => graph.keys[i] !== 'X');
  const groups = { chapterOf: [0, 0, 1, 1, 1, 1], phaseOfChapter: [0, 0] };
  const make = (facts: StepTimingFacts[], now = NOW) =>
    new IterationForecast(scope, facts, groups, now, { holdAllowanceMinutes: HOLD });

  it('chains indicative durations from now and finds the longest chain', () => {
    const forecast = make(durations.map((d) => openStepFacts(d)));
    expect(forecast.endOf(graph.indexOf('D')!)).toBe(NOW + 100 * MIN);
    // E waits for C through the out-of-scope X.
    expect(forecast.startOf(graph.indexOf('E')!)).toBe(NOW + 50 * MIN);
    expect(forecast.criticalPath().map((i) => graph.keys[i])).toEqual(['A', 'B', 'D']);
    expect(forecast.iteration()).toEqual({ start: NOW, end: NOW + 100 * MIN, openSteps: 5 });
    expect(forecast.chapter(0)).toEqual({ start: NOW, end: NOW + 90 * MIN, openSteps: 2 });
  });

  it('moves the critical path when a step overruns or a fixed start holds a step back', () => {
    const facts = durations.map((d) => openStepFacts(d));
    facts[graph.indexOf('E')!] = openStepFacts(15, NOW + 200 * MIN);
    const forecast = make(facts);
    expect(forecast.criticalPath().map((i) => graph.keys[i])).toEqual(['E']);
    expect(forecast.endOf(graph.indexOf('E')!)).toBe(NOW + 215 * MIN);
    const moved = forecast.update([{ index: graph.indexOf('E')!, facts: openStepFacts(15) }]);
    expect(moved.map((i) => graph.keys[i])).toEqual(['E']);
    expect(forecast.criticalPath().map((i) => graph.keys[i])).toEqual(['A', 'B', 'D']);
  });

  it('finishes an overrunning step now, and a held one after the hold allowance', () => {
    const facts = durations.map((d) => openStepFacts(d));
    const a = graph.indexOf('A')!;
    facts[a] = { ...facts[a]!, status: 'IN_PROGRESS', startedAt: NOW - 45 * MIN };
    expect(make(facts).endOf(a)).toBe(NOW);
    facts[a] = { ...facts[a]!, status: 'ON_HOLD', heldFrom: 'IN_PROGRESS', changedAt: NOW - 20 * MIN };
    // Worked 25 of 30 minutes when held; resumes 10 minutes from now; 5 minutes left.
    expect(make(facts).endOf(a)).toBe(NOW + 15 * MIN);
  });
});
