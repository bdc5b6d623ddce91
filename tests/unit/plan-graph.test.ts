import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPlanGraph, findCycles, formatCycle, type PlanGraph } from '../../src/domain/plan-graph.js';

/** Builds a graph from `'A<-B,C'`-style lines: step A with predecessors B and C. */
function graphOf(...lines: string[]): PlanGraph {
  return buildPlanGraph(
    lines.map((line) => {
      const [key, predecessors = ''] = line.split('<-');
      return { key: key!, predecessors: predecessors.split(',').filter((p) => p !== '') };
    }),
  );
}

describe('buildPlanGraph', () => {
  it('numbers steps in input order and links both ways', () => {
    const graph = graphOf('TRT-1', 'TRT-2<-TRT-1', 'TRT-3<-TRT-2,TRT-1');
    expect(graph.keys).toEqual(['TRT-1', 'TRT-2', 'TRT-3']);
    expect(graph.indexOf('TRT-3')).toBe(2);
    expect(graph.indexOf('TRT-9')).toBeUndefined();
    expect(graph.predecessors).toEqual([[], [0], [1, 0]]);
    expect(graph.successors).toEqual([[1, 2], [2], []]);
  });

  it('ignores unknown and repeated predecessors', () => {
    const graph = graphOf('TRT-1', 'TRT-2<-TRT-1,TRT-404,TRT-1');
    expect(graph.predecessors).toEqual([[], [0]]);
    expect(graph.successors).toEqual([[1], []]);
  });

  it('keeps successors ascending whatever the input order', () => {
    const graph = graphOf('TRT-3<-TRT-1', 'TRT-2<-TRT-1', 'TRT-1');
    expect(graph.successors).toEqual([[], [], [0, 1]]);
  });

  it('resolves a repeated key to its first occurrence', () => {
    const graph = graphOf('TRT-1', 'TRT-1', 'TRT-2<-TRT-1');
    expect(graph.indexOf('TRT-1')).toBe(0);
    expect(graph.successors).toEqual([[2], [], []]);
  });
});

describe('findCycles', () => {
  it('finds nothing in a DAG', () => {
    expect(findCycles(graphOf('A', 'B<-A', 'C<-A', 'D<-B,C'))).toEqual([]);
  });

  it('spells a two-step cycle from its first step', () => {
    const cycles = findCycles(graphOf('TRT-1<-TRT-2', 'TRT-2<-TRT-1'));
    expect(cycles).toEqual([['TRT-1', 'TRT-2', 'TRT-1']]);
    expect(formatCycle(cycles[0]!)).toBe('TRT-1 -> TRT-2 -> TRT-1');
  });

  it('follows the running order: a predecessor comes before its successor', () => {
    // B waits for A, C for B, A for C: A -> B -> C -> A.
    expect(findCycles(graphOf('A<-C', 'B<-A', 'C<-B'))).toEqual([['A', 'B', 'C', 'A']]);
  });

  it('reports a self-loop', () => {
    expect(findCycles(graphOf('A', 'B<-A,B', 'C<-B'))).toEqual([['B', 'B']]);
  });

  it('reports one cycle per knot, in input order, each a shortest one through its first step', () => {
    const graph = graphOf(
      'X',
      'P<-R', // knot 1: P -> Q -> R -> P, with a shortcut P -> R
      'Q<-P',
      'R<-Q,P',
      'S<-S', // knot 2: self-loop
      'T<-U,X', // knot 3: T -> U -> T
      'U<-T',
      'V<-R,U', // downstream of knots, in none
    );
    expect(findCycles(graph).map(formatCycle)).toEqual(['P -> R -> P', 'S -> S', 'T -> U -> T']);
  });

  it('reports one cycle for two cycles sharing a step', () => {
    // A <-> B and B <-> C form one strongly connected component.
    expect(findCycles(graphOf('A<-B', 'B<-A,C', 'C<-B'))).toEqual([['A', 'B', 'A']]);
  });

  it('handles a 20,000-step chain without overflowing the stack', () => {
    const count = 20_000;
    const chain = Array.from({ length: count }, (_, i) => ({
      key: `TRT-${i + 1}`,
      predecessors: i === 0 ? [] : [`TRT-${i}`],
    }));
    expect(findCycles(buildPlanGraph(chain))).toEqual([]);

    // Close the chain into one 20,000-step cycle.
    chain[0] = { key: 'TRT-1', predecessors: [`TRT-${count}`] };
    const cycles = findCycles(buildPlanGraph(chain));
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(count + 1);
    expect(cycles[0]!.slice(0, 3)).toEqual(['TRT-1', 'TRT-2', 'TRT-3']);
    expect(cycles[0]!.at(-1)).toBe('TRT-1');
  });

  it('matches a brute-force count of knots on random graphs, each reported cycle being real', () => {
    fc.assert(
      fc.property(randomGraph(), ({ nodeCount, edges }) => {
        const graph = buildPlanGraph(
          Array.from({ length: nodeCount }, (_, node) => ({
            key: `N${node}`,
            predecessors: edges.filter(([, to]) => to === node).map(([from]) => `N${from}`),
          })),
        );
        const cycles = findCycles(graph);

        // Every cycle follows real edges and closes on its first step, which is the lowest of its knot.
        for (const cycle of cycles) {
          expect(cycle[0]).toBe(cycle.at(-1));
          for (let i = 0; i + 1 < cycle.length; i++) {
            const from = graph.indexOf(cycle[i]!)!;
            expect(graph.successors[from]).toContain(graph.indexOf(cycle[i + 1]!));
          }
          // A shortest cycle repeats no step.
          expect(new Set(cycle.slice(0, -1)).size).toBe(cycle.length - 1);
        }
        expect(cycles.map((cycle) => cycle[0])).toEqual(
          expectedKnotStarts(nodeCount, edges).map((n) => `N${n}`),
        );
      }),
      { numRuns: 300 },
    );
  });
});

function randomGraph(): fc.Arbitrary<{ nodeCount: number; edges: [number, number][] }> {
  return fc
    .integer({ min: 1, max: 12 })
    .chain((nodeCount) =>
      fc
        .array(fc.tuple(fc.nat(nodeCount - 1), fc.nat(nodeCount - 1)), { maxLength: nodeCount * 2 })
        .map((edges) => ({ nodeCount, edges })),
    );
}

/**
 * Brute force: node n starts a reported cycle when it lies on a cycle (it reaches itself) and no
 * lower node is in its strongly connected component (mutually reachable with it).
 */
function expectedKnotStarts(nodeCount: number, edges: readonly [number, number][]): number[] {
  const reaches = Array.from({ length: nodeCount }, () => new Array<boolean>(nodeCount).fill(false));
  for (const [from, to] of edges) reaches[from]![to] = true;
  for (let via = 0; via < nodeCount; via++) {
    for (let from = 0; from < nodeCount; from++) {
      for (let to = 0; to < nodeCount; to++) {
        if (reaches[from]![via] && reaches[via]![to]) reaches[from]![to] = true;
      }
    }
  }
  const starts: number[] = [];
  for (let node = 0; node < nodeCount; node++) {
    const onCycle = reaches[node]![node]!;
    const lowerInKnot = Array.from({ length: node }, (_, lower) => lower).some(
      (lower) => reaches[node]![lower] && reaches[lower]![node],
    );
    if (onCycle && !lowerInKnot) starts.push(node);
  }
  return starts;
}
