import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPlanGraph, type PlanGraph } from '../../src/domain/plan-graph.js';
import { IterationScope, isStepReady, newlyReadyAfter, readySteps } from '../../src/domain/readiness.js';
import { WORK_STATUSES, type WorkStatus } from '../../src/domain/statuses.js';

/** Builds a graph from `'A<-B,C'`-style lines: step A with predecessors B and C. */
function graphOf(...lines: string[]): PlanGraph {
  return buildPlanGraph(
    lines.map((line) => {
      const [key, predecessors = ''] = line.split('<-');
      return { key: key!, predecessors: predecessors.split(',').filter((p) => p !== '') };
    }),
  );
}

function keysOf(graph: PlanGraph, indices: readonly number[]): string[] {
  return indices.map((index) => graph.keys[index]!);
}

/** A scope over `graph` where the listed keys are out of scope. */
function scopeWithout(graph: PlanGraph, ...outOfScope: string[]): IterationScope {
  return new IterationScope(graph, (index) => !outOfScope.includes(graph.keys[index]!));
}

function statusesOf(graph: PlanGraph, statuses: Record<string, WorkStatus>): (index: number) => WorkStatus {
  return (index) => statuses[graph.keys[index]!] ?? 'OPEN';
}

describe('IterationScope', () => {
  it('uses direct links when everything is in scope', () => {
    const graph = graphOf('A', 'B<-A', 'C<-B,A');
    const scope = scopeWithout(graph);
    expect(keysOf(graph, scope.effectivePredecessors(2))).toEqual(['A', 'B']);
    expect(keysOf(graph, scope.effectiveSuccessors(0))).toEqual(['B', 'C']);
  });

  it('looks through an out-of-scope step: A -> B -> C with B out, C waits for A', () => {
    const graph = graphOf('A', 'B<-A', 'C<-B');
    const scope = scopeWithout(graph, 'B');
    expect(scope.isInScope(1)).toBe(false);
    expect(keysOf(graph, scope.effectivePredecessors(2))).toEqual(['A']);
    expect(keysOf(graph, scope.effectiveSuccessors(0))).toEqual(['C']);
    // An out-of-scope step's own view looks through itself too.
    expect(keysOf(graph, scope.effectivePredecessors(1))).toEqual(['A']);
  });

  it('stops at the first in-scope step on each path, without repeats', () => {
    // A -> X -> B -> Y -> D and A -> Y: X and Y out of scope.
    const graph = graphOf('A', 'X<-A', 'B<-X', 'Y<-B,A', 'D<-Y');
    const scope = scopeWithout(graph, 'X', 'Y');
    expect(keysOf(graph, scope.effectivePredecessors(4))).toEqual(['A', 'B']);
    expect(keysOf(graph, scope.effectiveSuccessors(0))).toEqual(['B', 'D']);
    expect(keysOf(graph, scope.effectivePredecessors(2))).toEqual(['A']);
  });

  it('dedupes a diamond of out-of-scope steps', () => {
    const graph = graphOf('A', 'X<-A', 'Y<-A', 'Z<-X,Y', 'D<-Z,X');
    const scope = scopeWithout(graph, 'X', 'Y', 'Z');
    expect(keysOf(graph, scope.effectivePredecessors(4))).toEqual(['A']);
  });

  it('caches effective links', () => {
    const graph = graphOf('A', 'B<-A');
    const scope = scopeWithout(graph);
    expect(scope.effectivePredecessors(1)).toBe(scope.effectivePredecessors(1));
    expect(scope.effectiveSuccessors(0)).toBe(scope.effectiveSuccessors(0));
  });

  it('asks the scope predicate once per step', () => {
    const graph = graphOf('A', 'B<-A', 'C<-B');
    const asked: number[] = [];
    const scope = new IterationScope(graph, (index) => {
      asked.push(index);
      return true;
    });
    scope.effectivePredecessors(2);
    readySteps(scope, () => 'OPEN');
    expect(asked).toEqual([0, 1, 2]);
  });

  it('looks through a 20,000-step chain of out-of-scope steps', () => {
    const count = 20_000;
    const graph = buildPlanGraph(
      Array.from({ length: count }, (_, i) => ({
        key: `TRT-${i + 1}`,
        predecessors: i === 0 ? [] : [`TRT-${i}`],
      })),
    );
    const scope = new IterationScope(graph, (index) => index === 0 || index === count - 1);
    expect(scope.effectivePredecessors(count - 1)).toEqual([0]);
    expect(scope.effectiveSuccessors(0)).toEqual([count - 1]);
    expect(readySteps(scope, () => 'OPEN')).toEqual([0]);
    expect(readySteps(scope, (index) => (index === 0 ? 'DONE' : 'OPEN'))).toEqual([count - 1]);
  });
});

describe('isStepReady and readySteps', () => {
  const graph = graphOf('A', 'B<-A', 'C<-B', 'D');

  it('makes a step without predecessors ready while OPEN', () => {
    const scope = scopeWithout(graph);
    expect(readySteps(scope, statusesOf(graph, {}))).toEqual([0, 3]);
  });

  it.each(['DONE', 'CANCELLED'] as const)('releases successors of a %s step', (status) => {
    const scope = scopeWithout(graph);
    expect(keysOf(graph, readySteps(scope, statusesOf(graph, { A: status })))).toEqual(['B', 'D']);
  });

  it.each(['OPEN', 'IN_PROGRESS', 'ON_HOLD', 'FAILED'] as const)(
    'holds successors of a %s step',
    (status) => {
      const scope = scopeWithout(graph);
      expect(isStepReady(scope, 1, statusesOf(graph, { A: status }))).toBe(false);
    },
  );

  it.each(['IN_PROGRESS', 'ON_HOLD', 'FAILED', 'DONE', 'CANCELLED'] as const)(
    'never counts a %s step as ready',
    (status) => {
      const scope = scopeWithout(graph);
      expect(isStepReady(scope, 3, statusesOf(graph, { D: status }))).toBe(false);
    },
  );

  it('never counts an out-of-scope step as ready, nor lets it block', () => {
    const scope = scopeWithout(graph, 'B');
    const statusOf = statusesOf(graph, { A: 'DONE' });
    expect(isStepReady(scope, 1, statusOf)).toBe(false);
    expect(keysOf(graph, readySteps(scope, statusOf))).toEqual(['C', 'D']);
  });
});

describe('newlyReadyAfter', () => {
  it('reports the effective successors released by a finished step', () => {
    const graph = graphOf('A', 'X<-A', 'C<-X', 'D<-A', 'E<-A,D');
    const scope = scopeWithout(graph, 'X');
    const statusOf = statusesOf(graph, { A: 'DONE' });
    expect(keysOf(graph, newlyReadyAfter(scope, 0, statusOf))).toEqual(['C', 'D']);
  });

  it('reports the step itself when it returns to OPEN and is ready', () => {
    const graph = graphOf('A', 'B<-A');
    const scope = scopeWithout(graph);
    expect(newlyReadyAfter(scope, 0, statusesOf(graph, {}))).toEqual([0]);
  });

  it('reports nothing for an out-of-scope step', () => {
    const graph = graphOf('A', 'B<-A');
    const scope = scopeWithout(graph, 'A');
    expect(newlyReadyAfter(scope, 0, statusesOf(graph, { A: 'DONE' }))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Randomised comparison with a brute-force reference.

interface Model {
  nodeCount: number;
  /** [predecessor, successor] pairs. */
  edges: [number, number][];
  inScope: boolean[];
  statuses: WorkStatus[];
}

/**
 * A random DAG whose index order is shuffled against its topological order (so edges run both
 * up and down the indices), with a random scope and random statuses. Repeated edges are kept in
 * the input to exercise deduplication.
 */
function randomModel(): fc.Arbitrary<Model> {
  return fc.integer({ min: 1, max: 14 }).chain((nodeCount) => {
    const nodes = Array.from({ length: nodeCount }, (_, i) => i);
    return fc
      .record({
        nodeCount: fc.constant(nodeCount),
        rankOf: fc.shuffledSubarray(nodes, { minLength: nodeCount, maxLength: nodeCount }),
        pairs: fc.array(fc.tuple(fc.nat(nodeCount - 1), fc.nat(nodeCount - 1)), { maxLength: nodeCount * 3 }),
        inScope: fc.array(fc.boolean(), { minLength: nodeCount, maxLength: nodeCount }),
        statuses: fc.array(fc.constantFrom(...WORK_STATUSES), { minLength: nodeCount, maxLength: nodeCount }),
      })
      .map(({ rankOf, pairs, inScope, statuses }) => ({
        nodeCount,
        // Keep an edge only when it goes up the random topological order: acyclic by construction.
        edges: pairs.filter(([from, to]) => rankOf[from]! < rankOf[to]!),
        inScope,
        statuses,
      }));
  });
}

function graphOfModel(model: Model): PlanGraph {
  return buildPlanGraph(
    Array.from({ length: model.nodeCount }, (_, node) => ({
      key: `S-${node}`,
      predecessors: model.edges.filter(([, to]) => to === node).map(([from]) => `S-${from}`),
    })),
  );
}

/** Is there a path from `from` to `to` whose every intermediate step is out of scope? */
function pathThroughOutOfScope(model: Model, from: number, to: number): boolean {
  const seen = new Set<number>();
  const explore = (node: number): boolean =>
    model.edges.some(([a, b]) => {
      if (a !== node) return false;
      if (b === to) return true;
      if (model.inScope[b] || seen.has(b)) return false;
      seen.add(b);
      return explore(b);
    });
  return explore(from);
}

function bruteEffectivePredecessors(model: Model, node: number): number[] {
  const all = Array.from({ length: model.nodeCount }, (_, i) => i);
  return all.filter(
    (other) => other !== node && model.inScope[other] && pathThroughOutOfScope(model, other, node),
  );
}

function bruteEffectiveSuccessors(model: Model, node: number): number[] {
  const all = Array.from({ length: model.nodeCount }, (_, i) => i);
  return all.filter(
    (other) => other !== node && model.inScope[other] && pathThroughOutOfScope(model, node, other),
  );
}

function bruteReady(model: Model, statuses: readonly WorkStatus[], node: number): boolean {
  return (
    model.inScope[node] === true &&
    statuses[node] === 'OPEN' &&
    bruteEffectivePredecessors(model, node).every(
      (p) => statuses[p] === 'DONE' || statuses[p] === 'CANCELLED',
    )
  );
}

function bruteReadySteps(model: Model, statuses: readonly WorkStatus[]): number[] {
  return Array.from({ length: model.nodeCount }, (_, i) => i).filter((node) =>
    bruteReady(model, statuses, node),
  );
}

/** Every (from, to) move of the step table, resume included for each status hold can leave. */
const LEGAL_MOVES: readonly [WorkStatus, WorkStatus][] = [
  ['OPEN', 'IN_PROGRESS'],
  ['IN_PROGRESS', 'DONE'],
  ['IN_PROGRESS', 'FAILED'],
  ['FAILED', 'IN_PROGRESS'],
  ['OPEN', 'ON_HOLD'],
  ['IN_PROGRESS', 'ON_HOLD'],
  ['FAILED', 'ON_HOLD'],
  ['ON_HOLD', 'OPEN'],
  ['ON_HOLD', 'IN_PROGRESS'],
  ['ON_HOLD', 'FAILED'],
  ['OPEN', 'CANCELLED'],
  ['IN_PROGRESS', 'CANCELLED'],
  ['ON_HOLD', 'CANCELLED'],
  ['FAILED', 'CANCELLED'],
  ['DONE', 'IN_PROGRESS'],
  ['CANCELLED', 'IN_PROGRESS'],
];

describe('readiness against a brute-force reference', () => {
  const runs = { numRuns: 500 };

  it('computes effective predecessors and successors', () => {
    fc.assert(
      fc.property(randomModel(), (model) => {
        const scope = new IterationScope(graphOfModel(model), (i) => model.inScope[i]!);
        for (let node = 0; node < model.nodeCount; node++) {
          expect(scope.effectivePredecessors(node)).toEqual(bruteEffectivePredecessors(model, node));
          expect(scope.effectiveSuccessors(node)).toEqual(bruteEffectiveSuccessors(model, node));
        }
      }),
      runs,
    );
  });

  it('decides isStepReady and readySteps', () => {
    fc.assert(
      fc.property(randomModel(), (model) => {
        const scope = new IterationScope(graphOfModel(model), (i) => model.inScope[i]!);
        const statusOf = (i: number): WorkStatus => model.statuses[i]!;
        for (let node = 0; node < model.nodeCount; node++) {
          expect(isStepReady(scope, node, statusOf)).toBe(bruteReady(model, model.statuses, node));
        }
        expect(readySteps(scope, statusOf)).toEqual(bruteReadySteps(model, model.statuses));
      }),
      runs,
    );
  });

  it('newlyReadyAfter a legal move is exactly the steps ready after it and not before', () => {
    fc.assert(
      fc.property(randomModel(), fc.nat(), fc.nat(), (model, changedSeed, moveSeed) => {
        const changed = changedSeed % model.nodeCount;
        const moves = LEGAL_MOVES.filter(([from]) => from === model.statuses[changed]);
        const [, to] = moves[moveSeed % moves.length]!;
        const after = model.statuses.map((status, i) => (i === changed ? to : status));

        const scope = new IterationScope(graphOfModel(model), (i) => model.inScope[i]!);
        const readyBefore = new Set(bruteReadySteps(model, model.statuses));
        const expected = bruteReadySteps(model, after).filter((node) => !readyBefore.has(node));
        expect(newlyReadyAfter(scope, changed, (i) => after[i]!)).toEqual(expected);
      }),
      runs,
    );
  });

  it('newlyReadyAfter any status is the ready ones among the step and its effective successors', () => {
    fc.assert(
      fc.property(randomModel(), fc.nat(), (model, changedSeed) => {
        const changed = changedSeed % model.nodeCount;
        const scope = new IterationScope(graphOfModel(model), (i) => model.inScope[i]!);
        const candidates = model.inScope[changed]
          ? [changed, ...bruteEffectiveSuccessors(model, changed)]
          : [];
        const expected = candidates
          .filter((node) => bruteReady(model, model.statuses, node))
          .sort((a, b) => a - b);
        expect(newlyReadyAfter(scope, changed, (i) => model.statuses[i]!)).toEqual(expected);
      }),
      runs,
    );
  });
});
