/**
 * The step dependency graph of a plan. Plans reach 20,000 steps and 40,000 predecessor links, so
 * steps are numbered densely (their position in the input) and links are integer arrays; every
 * traversal is iterative, since a long chain of steps would overflow the call stack of a recursion.
 *
 * Direction: an edge goes from a predecessor to its successor, the order in which steps run and
 * in which cycles are spelled (`TRT-1 -> TRT-2` means TRT-2 waits for TRT-1).
 */

export interface PlanGraph {
  /** Step keys (canonical ids) by index, in input order. */
  readonly keys: readonly string[];
  /** The index of a step key, or undefined when the plan has no such step. */
  indexOf(key: string): number | undefined;
  /** Direct predecessors of each step, in the order listed, without duplicates. */
  readonly predecessors: readonly (readonly number[])[];
  /** Direct successors of each step, ascending, without duplicates. */
  readonly successors: readonly (readonly number[])[];
}

/**
 * Builds the graph of `steps`, index i being `steps[i]`. Predecessor keys naming no step are
 * ignored, as are repeats, because import validation reports them with better context. Keys are
 * expected unique; should one repeat, `indexOf` answers the first and links point to it.
 */
export function buildPlanGraph(
  steps: readonly { key: string; predecessors: readonly string[] }[],
): PlanGraph {
  const indexByKey = new Map<string, number>();
  steps.forEach((step, index) => {
    if (!indexByKey.has(step.key)) indexByKey.set(step.key, index);
  });

  const predecessors: number[][] = [];
  const successors: number[][] = steps.map(() => []);
  steps.forEach((step, index) => {
    const own: number[] = [];
    for (const key of step.predecessors) {
      const predecessor = indexByKey.get(key);
      if (predecessor === undefined || own.includes(predecessor)) continue;
      own.push(predecessor);
      // Steps are visited in ascending index, so each successor list comes out sorted.
      successors[predecessor]!.push(index);
    }
    predecessors.push(own);
  });

  return {
    keys: steps.map((step) => step.key),
    indexOf: (key) => indexByKey.get(key),
    predecessors,
    successors,
  };
}

/**
 * The predecessor cycles of the graph, each spelled as step keys from its first step back to it:
 * `['TRT-1', 'TRT-2', 'TRT-1']`. One cycle is reported per strongly connected component of more
 * than one step, and one per self-loop, which is enough for the planner to see every knot to
 * untie. Deterministic: each cycle starts at its component's lowest index, is a shortest cycle
 * through it (ties broken by successor order), and cycles come in ascending order of that index.
 */
export function findCycles(graph: PlanGraph): string[][] {
  const components = stronglyConnectedComponents(graph.successors);
  const componentOf = new Int32Array(graph.keys.length);
  components.forEach((members, component) => {
    for (const member of members) componentOf[member] = component;
  });

  const starts: number[] = [];
  for (const members of components) {
    // Not Math.min(...members): a component can hold all 20,000 steps, too many arguments.
    const start = members.reduce((lowest, member) => Math.min(lowest, member));
    const knotted = members.length > 1 || graph.successors[start]!.includes(start);
    if (knotted) starts.push(start);
  }
  starts.sort((a, b) => a - b);

  return starts.map((start) =>
    shortestCycleThrough(start, graph.successors, componentOf).map((index) => graph.keys[index]!),
  );
}

/** `TRT-1 -> TRT-2 -> TRT-1`, the form import errors use. */
export function formatCycle(cycle: readonly string[]): string {
  return cycle.join(' -> ');
}

/**
 * Tarjan's algorithm with an explicit stack of (node, next edge to try) frames instead of
 * recursion. Returns the components, each as a list of node indices.
 */
function stronglyConnectedComponents(successors: readonly (readonly number[])[]): number[][] {
  const nodeCount = successors.length;
  const UNVISITED = -1;
  const discovery = new Int32Array(nodeCount).fill(UNVISITED);
  const lowLink = new Int32Array(nodeCount);
  const onStack = new Uint8Array(nodeCount);
  const componentStack: number[] = [];
  const callNodes: number[] = [];
  const callNextEdge: number[] = [];
  const components: number[][] = [];
  let nextDiscovery = 0;

  for (let root = 0; root < nodeCount; root++) {
    if (discovery[root] !== UNVISITED) continue;
    callNodes.push(root);
    callNextEdge.push(0);
    discovery[root] = lowLink[root] = nextDiscovery++;
    componentStack.push(root);
    onStack[root] = 1;

    while (callNodes.length > 0) {
      const top = callNodes.length - 1;
      const node = callNodes[top]!;
      const edges = successors[node]!;
      const edge = callNextEdge[top]!;

      if (edge < edges.length) {
        callNextEdge[top] = edge + 1;
        const next = edges[edge]!;
        if (discovery[next] === UNVISITED) {
          discovery[next] = lowLink[next] = nextDiscovery++;
          componentStack.push(next);
          onStack[next] = 1;
          callNodes.push(next);
          callNextEdge.push(0);
        } else if (onStack[next] === 1) {
          lowLink[node] = Math.min(lowLink[node]!, discovery[next]!);
        }
        continue;
      }

      // All edges of `node` explored: "return" to its caller.
      callNodes.pop();
      callNextEdge.pop();
      const caller = callNodes[callNodes.length - 1];
      if (caller !== undefined) lowLink[caller] = Math.min(lowLink[caller]!, lowLink[node]!);

      if (lowLink[node] === discovery[node]) {
        const members: number[] = [];
        let member: number;
        do {
          member = componentStack.pop()!;
          onStack[member] = 0;
          members.push(member);
        } while (member !== node);
        components.push(members);
      }
    }
  }
  return components;
}

/**
 * A shortest cycle from `start` back to itself, staying inside its component (breadth-first, so
 * the spelled cycle is as short as the knot allows). Returned with `start` at both ends.
 */
function shortestCycleThrough(
  start: number,
  successors: readonly (readonly number[])[],
  componentOf: Int32Array,
): number[] {
  const component = componentOf[start]!;
  const parent = new Map<number, number>();
  const queue: number[] = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const next of successors[node]!) {
      if (next === start) return [...pathFromStart(node, start, parent), start];
      if (componentOf[next] !== component || parent.has(next)) continue;
      parent.set(next, node);
      queue.push(next);
    }
  }
  // Unreachable for a knotted component: every member reaches every other.
  throw new Error(`No cycle through node ${start}`);
}

function pathFromStart(end: number, start: number, parent: ReadonlyMap<number, number>): number[] {
  const path = [end];
  for (let node = end; node !== start;) {
    node = parent.get(node)!;
    path.push(node);
  }
  return path.reverse();
}
