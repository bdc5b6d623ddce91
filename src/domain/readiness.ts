/**
 * Readiness of steps in one iteration (shared spec `domain.md`, "Readiness"). Ready is derived,
 * never stored: a step is ready when it is in scope, OPEN (so not on hold), and every one of its
 * effective predecessors is DONE or CANCELLED.
 *
 * Effective predecessors are the in-scope steps reached by following predecessor links backwards
 * through out-of-scope steps: with A -> B -> C and B out of scope, C waits for A. Effective
 * successors mirror them. An out-of-scope step is transparent, never a blocker.
 *
 * A step may also have a fixed start ("not before", docs/time.md): it is not ready before that
 * instant even when its predecessors are done. The functions below honour it when given `now`
 * (epoch ms); without it they answer as if every fixed start had passed.
 */

import type { PlanGraph } from './plan-graph.js';
import { isFinished, type WorkStatus } from './statuses.js';

/** Per-iteration view over a graph: which steps are in scope, with effective links computed lazily and cached. */
export class IterationScope {
  readonly #graph: PlanGraph;
  readonly #inScope: Uint8Array;
  readonly #predecessorCache: (readonly number[] | undefined)[];
  readonly #successorCache: (readonly number[] | undefined)[];
  // Visited marks shared by every traversal: a traversal bumps the stamp instead of allocating
  // and clearing a set, which matters when readySteps walks all 20,000 steps.
  readonly #visitedStamp: Uint32Array;
  #stamp = 0;
  /** The fixed start of each step, epoch ms; NaN for none. */
  readonly #notBefore: Float64Array;

  /**
   * `inScope` is asked once per step, here; the scope of an iteration does not change under it.
   * `notBefore` gives a step's fixed start in this iteration (epoch ms), or null.
   */
  constructor(
    graph: PlanGraph,
    inScope: (index: number) => boolean,
    notBefore: (index: number) => number | null = () => null,
  ) {
    const stepCount = graph.keys.length;
    this.#graph = graph;
    this.#notBefore = new Float64Array(stepCount);
    for (let index = 0; index < stepCount; index++) this.#notBefore[index] = notBefore(index) ?? Number.NaN;
    this.#inScope = new Uint8Array(stepCount);
    for (let index = 0; index < stepCount; index++) this.#inScope[index] = inScope(index) ? 1 : 0;
    this.#predecessorCache = new Array<readonly number[] | undefined>(stepCount).fill(undefined);
    this.#successorCache = new Array<readonly number[] | undefined>(stepCount).fill(undefined);
    this.#visitedStamp = new Uint32Array(stepCount);
  }

  /** The graph this scope is a view of. */
  get graph(): PlanGraph {
    return this.#graph;
  }

  /** Whether the step runs in this iteration. */
  isInScope(index: number): boolean {
    return this.#inScope[index] === 1;
  }

  /** The step's fixed start in this iteration (epoch ms), or null. */
  notBeforeOf(index: number): number | null {
    const notBefore = this.#notBefore[index]!;
    return Number.isNaN(notBefore) ? null : notBefore;
  }

  /** Whether the step waits for its fixed start at `now` (epoch ms). */
  isBeforeFixedStart(index: number, now: number | undefined): boolean {
    return now !== undefined && this.#notBefore[index]! > now;
  }

  /** The in-scope steps `index` waits for, looking through out-of-scope steps; ascending, no repeats. */
  effectivePredecessors(index: number): readonly number[] {
    return (this.#predecessorCache[index] ??= this.#reachInScope(index, this.#graph.predecessors));
  }

  /** The in-scope steps that wait for `index`, looking through out-of-scope steps; ascending, no repeats. */
  effectiveSuccessors(index: number): readonly number[] {
    return (this.#successorCache[index] ??= this.#reachInScope(index, this.#graph.successors));
  }

  /**
   * Breadth-first search from `start` along `links`, stopping at in-scope steps (collected) and
   * passing through out-of-scope ones. Each step is visited once, so long out-of-scope chains and
   * diamonds cost linear time and yield no duplicates. `start` itself is never collected, even in
   * a cyclic graph (import rejects those; this only keeps the search well defined).
   */
  #reachInScope(start: number, links: readonly (readonly number[])[]): readonly number[] {
    const stamp = this.#nextStamp();
    const visited = this.#visitedStamp;
    visited[start] = stamp;
    const found: number[] = [];
    const queue: number[] = [start];
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head]!;
      if (node !== start && this.isInScope(node)) {
        found.push(node);
        continue;
      }
      for (const next of links[node]!) {
        if (visited[next] === stamp) continue;
        visited[next] = stamp;
        queue.push(next);
      }
    }
    return found.sort((a, b) => a - b);
  }

  #nextStamp(): number {
    if (this.#stamp === 0xffffffff) {
      // After four billion traversals the stamps would wrap and collide with old marks.
      this.#visitedStamp.fill(0);
      this.#stamp = 0;
    }
    return ++this.#stamp;
  }
}

/**
 * Whether step `index` is ready: in scope, OPEN, every effective predecessor DONE or CANCELLED,
 * and (given `now`) its fixed start, if any, passed.
 */
export function isStepReady(
  scope: IterationScope,
  index: number,
  statusOf: (index: number) => WorkStatus,
  now?: number,
): boolean {
  return (
    scope.isInScope(index) &&
    statusOf(index) === 'OPEN' &&
    !scope.isBeforeFixedStart(index, now) &&
    scope.effectivePredecessors(index).every((predecessor) => isFinished(statusOf(predecessor)))
  );
}

/** Every ready step of the iteration, as ascending indices. */
export function readySteps(
  scope: IterationScope,
  statusOf: (index: number) => WorkStatus,
  now?: number,
): number[] {
  const ready: number[] = [];
  const stepCount = scope.graph.keys.length;
  for (let index = 0; index < stepCount; index++) {
    if (isStepReady(scope, index, statusOf, now)) ready.push(index);
  }
  return ready;
}

/**
 * Steps that became ready because `changed` moved to its new status (`statusOf` already answers
 * the new one): `changed` itself (resumed to OPEN, say) and its effective successors (released
 * by its DONE or CANCELLED), those of them that are ready now; ascending. No other step's
 * readiness depends on `changed`, which is why the engine need not rescan the plan. An
 * out-of-scope step blocks nobody, so its change makes nothing ready.
 */
export function newlyReadyAfter(
  scope: IterationScope,
  changed: number,
  statusOf: (index: number) => WorkStatus,
  now?: number,
): number[] {
  if (!scope.isInScope(changed)) return [];
  const candidates = [changed, ...scope.effectiveSuccessors(changed)].sort((a, b) => a - b);
  return candidates.filter((index) => isStepReady(scope, index, statusOf, now));
}
