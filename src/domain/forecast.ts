/**
 * The forecast of an iteration: when each step, chapter and phase, and the iteration itself, will
 * start and end, from the actual times so far and the indicative durations, over the effective
 * predecessor graph (`readiness.ts`: out-of-scope steps are transparent). Pure: the clock (`now`)
 * and every fact are given; no database, no Date.now().
 *
 * Terminology (all times are epoch milliseconds):
 * - **facts** of a step: its status, actual start and end, when its status last changed (the hold
 *   time while ON_HOLD), its indicative duration and its fixed start ("not before"), if any.
 * - **finished**: DONE or CANCELLED. A finished step keeps its actual times and constrains nobody.
 * - **forecast start and end** of an unfinished step, by status:
 *   - OPEN: start = the latest of now, its fixed start and the forecast end of each unfinished
 *     effective predecessor; end = start + duration.
 *   - IN_PROGRESS: start = actual start; end = start + duration, or now when that is past (an
 *     overrunning step "may end any moment": the alerts say it is late, the forecast does not guess).
 *   - FAILED: it must be retried: end = now + duration.
 *   - ON_HOLD: it resumes `holdAllowanceMinutes` after it was held, or now if that is past. A step
 *     held while OPEN then runs as OPEN from there; one held while running finishes the duration it
 *     had left when held.
 * - **driver** of an OPEN (or held-open) step: the unfinished effective predecessor whose forecast
 *   end sets its start, when one does (ties: the lowest index); -1 when now or the fixed start does.
 * - **critical path**: the remaining chain that ends last: from the unfinished step with the latest
 *   forecast end (ties: the lowest index) back through drivers. Lengthening any of its steps moves
 *   the iteration's forecast end.
 * - A step with no indicative duration counts as zero minutes.
 *
 * `IterationForecast.update` recomputes only the cone of the changed steps: the affected steps are
 * visited in topological order and propagation stops where a forecast end does not move. A full
 * recompute (`setNow`, the constructor) is the reference; the property tests check both agree.
 */
import type { IterationScope } from './readiness.js';
import type { WorkStatus } from './statuses.js';

/** What the forecast knows of one step in one iteration. */
export interface StepTimingFacts {
  status: WorkStatus;
  /** The status an ON_HOLD step left. */
  heldFrom: WorkStatus | null;
  startedAt: number | null;
  endedAt: number | null;
  /** When the status last changed: the hold's time while ON_HOLD. */
  changedAt: number | null;
  durationMinutes: number | null;
  /** The fixed start ("not before") of the step in this iteration, if any. */
  notBefore: number | null;
}

/** The facts of a step nobody has touched: OPEN, no times. */
export function openStepFacts(
  durationMinutes: number | null,
  notBefore: number | null = null,
): StepTimingFacts {
  return {
    status: 'OPEN',
    heldFrom: null,
    startedAt: null,
    endedAt: null,
    changedAt: null,
    durationMinutes,
    notBefore,
  };
}

/** How steps group: chapter of each step, phase of each chapter (dense indices). */
export interface ForecastGroups {
  /** Chapter index of each step, by step index. */
  chapterOf: ArrayLike<number>;
  /** Phase index of each chapter, by chapter index. */
  phaseOfChapter: ArrayLike<number>;
}

export interface ForecastOptions {
  /** How long a hold is assumed to last, counted from when the step was held. */
  holdAllowanceMinutes: number;
}

/** The forecast window of a chapter, a phase or the iteration. */
export interface ForecastWindow {
  /** The earliest start of its in-scope steps (actual or forecast). */
  start: number;
  /** The latest end of its in-scope steps (actual or forecast). */
  end: number;
  /** In-scope steps not finished yet; 0 when it is over. */
  openSteps: number;
}

/** `clone` passes the forecast to copy; not part of the public options. */
interface InternalOptions extends ForecastOptions {
  copyOf?: IterationForecast;
}

const MINUTE = 60_000;
const NO_DRIVER = -1;

/** The forecast of one iteration; see the file comment. */
export class IterationForecast {
  readonly #scope: IterationScope;
  readonly #facts: StepTimingFacts[];
  readonly #groups: ForecastGroups;
  readonly #holdAllowanceMs: number;
  #now: number;

  /** In-scope steps in topological order (predecessors first), and each step's position in it. */
  readonly #order: Int32Array;
  readonly #rank: Int32Array;
  readonly #start: Float64Array;
  readonly #end: Float64Array;
  readonly #driver: Int32Array;
  readonly #finished: Uint8Array;
  readonly #chapterMembers: number[][];
  readonly #chapterWindows: (ForecastWindow | null)[];
  readonly #phaseWindows: (ForecastWindow | null)[];
  #iterationWindow: ForecastWindow | null = null;
  /** The critical path, kept until the next recompute: cards and lists ask for it often. */
  #criticalPath: { path: readonly number[]; set: ReadonlySet<number> } | null = null;

  /**
   * Computes the whole forecast. `facts` is indexed like the scope's graph; out-of-scope entries
   * are ignored. The scope's graph must be acyclic (import refuses cycles); steps of a cycle would
   * be forecast after all others, in index order, ignoring the links that close the cycle.
   */
  constructor(
    scope: IterationScope,
    facts: readonly StepTimingFacts[],
    groups: ForecastGroups,
    now: number,
    options: ForecastOptions,
  ) {
    const stepCount = scope.graph.keys.length;
    if (facts.length !== stepCount)
      throw new RangeError(`forecast needs facts for ${stepCount} steps, got ${facts.length}`);
    this.#scope = scope;
    this.#facts = [...facts];
    this.#groups = groups;
    this.#holdAllowanceMs = options.holdAllowanceMinutes * MINUTE;
    this.#now = now;
    const copyOf = (options as InternalOptions).copyOf;
    if (copyOf) {
      // A clone shares the immutable order and copies the mutable arrays: no recompute.
      this.#rank = copyOf.#rank;
      this.#order = copyOf.#order;
      this.#chapterMembers = copyOf.#chapterMembers;
      this.#start = copyOf.#start.slice();
      this.#end = copyOf.#end.slice();
      this.#driver = copyOf.#driver.slice();
      this.#finished = copyOf.#finished.slice();
      this.#chapterWindows = [...copyOf.#chapterWindows];
      this.#phaseWindows = [...copyOf.#phaseWindows];
      this.#iterationWindow = copyOf.#iterationWindow;
      this.#criticalPath = copyOf.#criticalPath; // immutable, and dropped at the copy's next recompute
      return;
    }
    this.#rank = new Int32Array(stepCount).fill(-1);
    this.#order = topologicalOrder(scope, this.#rank);
    this.#start = new Float64Array(stepCount).fill(Number.NaN);
    this.#end = new Float64Array(stepCount).fill(Number.NaN);
    this.#driver = new Int32Array(stepCount).fill(NO_DRIVER);
    this.#finished = new Uint8Array(stepCount);

    let chapterCount = groups.phaseOfChapter.length;
    for (const index of this.#order) chapterCount = Math.max(chapterCount, groups.chapterOf[index]! + 1);
    this.#chapterMembers = Array.from({ length: chapterCount }, () => []);
    for (const index of this.#order) this.#chapterMembers[groups.chapterOf[index]!]!.push(index);
    this.#chapterWindows = new Array<ForecastWindow | null>(chapterCount).fill(null);
    let phaseCount = 0;
    for (let chapter = 0; chapter < groups.phaseOfChapter.length; chapter++)
      phaseCount = Math.max(phaseCount, groups.phaseOfChapter[chapter]! + 1);
    this.#phaseWindows = new Array<ForecastWindow | null>(phaseCount).fill(null);
    this.#recomputeAll();
  }

  /** The clock the forecast was computed at. */
  get now(): number {
    return this.#now;
  }

  /** The scope it forecasts. */
  get scope(): IterationScope {
    return this.#scope;
  }

  /** The facts a step was last forecast with. */
  factsOf(index: number): StepTimingFacts {
    return this.#facts[index]!;
  }

  /** Forecast (or actual, once finished) start of a step; NaN when out of scope. */
  startOf(index: number): number {
    return this.#start[index]!;
  }

  /** Forecast (or actual, once finished) end of a step; NaN when out of scope. */
  endOf(index: number): number {
    return this.#end[index]!;
  }

  /** The predecessor whose end sets the step's start, or -1 (see the file comment). */
  driverOf(index: number): number {
    return this.#driver[index]!;
  }

  isFinished(index: number): boolean {
    return this.#finished[index] === 1;
  }

  /** The chapter's window, or null when it has no in-scope step. */
  chapter(chapter: number): ForecastWindow | null {
    return this.#chapterWindows[chapter] ?? null;
  }

  /** The phase's window, or null when it has no in-scope step. */
  phase(phase: number): ForecastWindow | null {
    return this.#phaseWindows[phase] ?? null;
  }

  /** The iteration's window, or null when nothing is in scope. */
  iteration(): ForecastWindow | null {
    return this.#iterationWindow;
  }

  /** The critical path, first step first; empty when every step is finished. */
  criticalPath(): number[] {
    return [...this.#critical().path];
  }

  /** Whether each step is on the critical path, as a set of indices. */
  criticalSet(): ReadonlySet<number> {
    return this.#critical().set;
  }

  #critical(): { path: readonly number[]; set: ReadonlySet<number> } {
    if (this.#criticalPath) return this.#criticalPath;
    let last = NO_DRIVER;
    for (const index of this.#order) {
      if (this.#finished[index] === 1) continue;
      if (
        last === NO_DRIVER ||
        this.#end[index]! > this.#end[last]! ||
        (this.#end[index] === this.#end[last] && index < last)
      )
        last = index;
    }
    const path: number[] = [];
    for (let step = last; step !== NO_DRIVER; step = this.#driver[step]!) path.push(step);
    path.reverse();
    this.#criticalPath = { path, set: new Set(path) };
    return this.#criticalPath;
  }

  /** Moves the clock: every unfinished step may move, so this recomputes everything. */
  setNow(now: number): void {
    this.#now = now;
    this.#recomputeAll();
  }

  /**
   * Applies new facts of some steps and recomputes only what they can move: the steps themselves
   * and, in topological order, those successors whose predecessors' forecast end moved. Returns
   * the in-scope steps whose forecast start or end moved, ascending.
   */
  update(changes: readonly { index: number; facts: StepTimingFacts }[]): number[] {
    this.#criticalPath = null;
    const queue = new RankHeap(this.#order.length);
    for (const { index, facts } of changes) {
      this.#facts[index] = facts;
      const rank = this.#rank[index]!;
      if (rank >= 0) queue.push(rank);
    }
    const moved: number[] = [];
    const touchedChapters = new Set<number>();
    while (queue.size > 0) {
      const index = this.#order[queue.pop()]!;
      const before = { start: this.#start[index]!, end: this.#end[index]!, finished: this.#finished[index]! };
      this.#computeStep(index);
      const endMoved = !sameTime(before.end, this.#end[index]!) || before.finished !== this.#finished[index];
      if (endMoved || !sameTime(before.start, this.#start[index]!)) {
        moved.push(index);
        touchedChapters.add(this.#groups.chapterOf[index]!);
      }
      if (!endMoved) continue;
      for (const successor of this.#scope.effectiveSuccessors(index)) queue.push(this.#rank[successor]!);
    }
    for (const { index } of changes)
      if (this.#rank[index]! >= 0) touchedChapters.add(this.#groups.chapterOf[index]!);
    const touchedPhases = new Set<number>();
    for (const chapter of touchedChapters) {
      this.#chapterWindows[chapter] = this.#windowOfChapter(chapter);
      touchedPhases.add(this.#groups.phaseOfChapter[chapter]!);
    }
    for (const phase of touchedPhases) this.#phaseWindows[phase] = this.#windowOfPhase(phase);
    this.#iterationWindow = mergeWindows(this.#phaseWindows);
    return moved.sort((a, b) => a - b);
  }

  /** An independent copy, for a what-if that must leave this forecast as it is. */
  clone(): IterationForecast {
    return new IterationForecast(this.#scope, this.#facts, this.#groups, this.#now, {
      holdAllowanceMinutes: this.#holdAllowanceMs / MINUTE,
      copyOf: this,
    } as InternalOptions);
  }

  // ---- computation ----

  #recomputeAll(): void {
    this.#criticalPath = null;
    for (const index of this.#order) this.#computeStep(index);
    for (let chapter = 0; chapter < this.#chapterWindows.length; chapter++)
      this.#chapterWindows[chapter] = this.#windowOfChapter(chapter);
    for (let phase = 0; phase < this.#phaseWindows.length; phase++)
      this.#phaseWindows[phase] = this.#windowOfPhase(phase);
    this.#iterationWindow = mergeWindows(this.#phaseWindows);
  }

  /** Forecast of one step from its facts and its predecessors' forecasts (already computed). */
  #computeStep(index: number): void {
    const facts = this.#facts[index]!;
    const now = this.#now;
    const duration = (facts.durationMinutes ?? 0) * MINUTE;
    let start: number;
    let end: number;
    let driver = NO_DRIVER;
    let finished = 0;
    const resumeAt = () => Math.max(now, (facts.changedAt ?? now) + this.#holdAllowanceMs);

    const status = facts.status;
    if (status === 'DONE' || status === 'CANCELLED') {
      end = facts.endedAt ?? now;
      start = facts.startedAt ?? end;
      finished = 1;
    } else if (status === 'IN_PROGRESS') {
      start = facts.startedAt ?? now;
      end = Math.max(now, start + duration);
    } else if (status === 'FAILED') {
      start = facts.startedAt ?? now;
      end = now + duration;
    } else if (status === 'ON_HOLD' && facts.heldFrom !== null && facts.heldFrom !== 'OPEN') {
      // Held while running (or failed): it finishes, after the hold, what it had left.
      start = facts.startedAt ?? resumeAt();
      const heldAt = facts.changedAt ?? now;
      const done =
        facts.heldFrom === 'IN_PROGRESS' && facts.startedAt !== null ? heldAt - facts.startedAt : 0;
      end = resumeAt() + Math.max(0, duration - Math.max(0, done));
    } else {
      // OPEN, or held while OPEN (then not before the hold's assumed end).
      let base = now;
      if (facts.notBefore !== null) base = Math.max(base, facts.notBefore);
      if (status === 'ON_HOLD') base = Math.max(base, resumeAt());
      let latest = Number.NEGATIVE_INFINITY;
      for (const predecessor of this.#scope.effectivePredecessors(index)) {
        if (this.#finished[predecessor] === 1) continue;
        const predecessorEnd = this.#end[predecessor]!;
        if (predecessorEnd > latest) {
          latest = predecessorEnd;
          driver = predecessor;
        }
      }
      if (latest < base) driver = NO_DRIVER;
      start = Math.max(base, latest);
      end = start + duration;
    }
    this.#start[index] = start;
    this.#end[index] = end;
    this.#driver[index] = driver;
    this.#finished[index] = finished;
  }

  #windowOfChapter(chapter: number): ForecastWindow | null {
    const members = this.#chapterMembers[chapter];
    if (!members || members.length === 0) return null;
    let start = Number.POSITIVE_INFINITY;
    let end = Number.NEGATIVE_INFINITY;
    let openSteps = 0;
    for (const index of members) {
      start = Math.min(start, this.#start[index]!);
      end = Math.max(end, this.#end[index]!);
      if (this.#finished[index] === 0) openSteps++;
    }
    return { start, end, openSteps };
  }

  #windowOfPhase(phase: number): ForecastWindow | null {
    const windows: (ForecastWindow | null)[] = [];
    for (let chapter = 0; chapter < this.#chapterWindows.length; chapter++)
      if (this.#groups.phaseOfChapter[chapter] === phase) windows.push(this.#chapterWindows[chapter]!);
    return mergeWindows(windows);
  }
}

/** Two times are the same when equal or both NaN (out of scope). */
function sameTime(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function mergeWindows(windows: readonly (ForecastWindow | null)[]): ForecastWindow | null {
  let merged: ForecastWindow | null = null;
  for (const window of windows) {
    if (!window) continue;
    merged = merged
      ? {
          start: Math.min(merged.start, window.start),
          end: Math.max(merged.end, window.end),
          openSteps: merged.openSteps + window.openSteps,
        }
      : { ...window };
  }
  return merged;
}

/**
 * Kahn's algorithm over the in-scope steps and their effective predecessors; ready steps are taken
 * in ascending index so the order is deterministic. Fills `rank` (position in the order, -1 for
 * out-of-scope steps). Steps left over by a cycle are appended in index order.
 */
function topologicalOrder(scope: IterationScope, rank: Int32Array): Int32Array {
  const stepCount = scope.graph.keys.length;
  const waiting = new Int32Array(stepCount);
  const order: number[] = [];
  const queue: number[] = [];
  for (let index = 0; index < stepCount; index++) {
    if (!scope.isInScope(index)) continue;
    waiting[index] = scope.effectivePredecessors(index).length;
    if (waiting[index] === 0) queue.push(index);
  }
  for (let head = 0; head < queue.length; head++) {
    const index = queue[head]!;
    rank[index] = order.length;
    order.push(index);
    for (const successor of scope.effectiveSuccessors(index)) {
      if (--waiting[successor]! === 0) queue.push(successor);
    }
  }
  for (let index = 0; index < stepCount; index++) {
    if (scope.isInScope(index) && rank[index] === -1) {
      rank[index] = order.length;
      order.push(index);
    }
  }
  return Int32Array.from(order);
}

/** A min-heap of distinct topological ranks: each step is recomputed once, after its predecessors. */
class RankHeap {
  readonly #items: Int32Array;
  readonly #queued: Uint8Array;
  size = 0;

  constructor(capacity: number) {
    this.#items = new Int32Array(capacity);
    this.#queued = new Uint8Array(capacity);
  }

  push(rank: number): void {
    if (this.#queued[rank] === 1) return;
    this.#queued[rank] = 1;
    const items = this.#items;
    let child = this.size++;
    items[child] = rank;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (items[parent]! <= rank) break;
      items[child] = items[parent]!;
      items[parent] = rank;
      child = parent;
    }
  }

  pop(): number {
    const items = this.#items;
    const top = items[0]!;
    const last = items[--this.size]!;
    let parent = 0;
    for (;;) {
      const left = 2 * parent + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const smaller = right < this.size && items[right]! < items[left]! ? right : left;
      if (items[smaller]! >= last) break;
      items[parent] = items[smaller]!;
      parent = smaller;
    }
    items[parent] = last;
    // A popped rank may be queued again later only by a predecessor, which has a lower rank and has
    // been popped already; keeping it marked is therefore safe and spares a reset.
    return top;
  }
}
