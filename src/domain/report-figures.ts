/**
 * The figures of a rehearsal report (issue "Time on the weekend", item 6): planned against actual
 * per step, chapter and phase, and the causes of delay. Pure: the loader
 * (`src/engine/rehearsal-report.ts`) reads the steps and the iteration's audit events; times are
 * epoch milliseconds, durations whole minutes.
 *
 * Causes of delay, per step:
 * - **overrun**: actual duration (start to end, DONE steps) minus the indicative duration;
 * - **late start**: from when the step was ready (its effective predecessors' ends, its fixed start,
 *   the activation: the latest) to its start;
 * - **holds**: how many, and the minutes between each `step.hold` and the next `step.resume`,
 *   `step.cancel` or `step.reopen` (to the report's time while still held);
 * - **failures**: how many `step.fail`, with their reasons.
 */

export interface ReportStepInput {
  key: string;
  title: string;
  phase: string;
  chapter: string;
  team: string;
  status: string;
  durationMinutes: number | null;
  startedAt: number | null;
  endedAt: number | null;
  /** When the step became ready; null when it never was. */
  readySince: number | null;
  startedBy: string | null;
  endedBy: string | null;
}

/** An accepted step event of the iteration, in audit order. */
export interface ReportStepEvent {
  at: number;
  /** `step.<action>`. */
  type: string;
  subject: string;
  reason: string | null;
}

export interface StepFigures extends ReportStepInput {
  actualMinutes: number | null;
  overrunMinutes: number | null;
  startDelayMinutes: number | null;
  holds: number;
  heldMinutes: number;
  failures: number;
  failureReasons: string[];
}

export interface GroupFigures {
  name: string;
  plannedStart: number | null;
  plannedEnd: number | null;
  /** The first actual start of its steps. */
  actualStart: number | null;
  /** The last actual end, once every step is finished; null while any is open. */
  actualEnd: number | null;
  /** Actual end minus planned end, once both are known. */
  endDelayMinutes: number | null;
  steps: number;
  finished: number;
  holds: number;
  failures: number;
}

export interface DelayCause {
  step: string;
  /** Minutes the cause cost, as far as the step itself shows it. */
  minutes: number;
  cause: 'overrun' | 'late start' | 'hold' | 'failure';
  detail: string;
}

const MINUTE = 60_000;
const minutesBetween = (from: number, to: number) => Math.round((to - from) / MINUTE);
const FINISHED = new Set(['DONE', 'CANCELLED']);

/** Per-step figures; `now` ends a hold still running. */
export function stepFigures(
  steps: readonly ReportStepInput[],
  events: readonly ReportStepEvent[],
  now: number,
): StepFigures[] {
  const eventsOf = new Map<string, ReportStepEvent[]>();
  for (const event of events) eventsOf.set(event.subject, [...(eventsOf.get(event.subject) ?? []), event]);
  return steps.map((step) => {
    let holds = 0;
    let heldMinutes = 0;
    let heldSince: number | null = null;
    const failureReasons: string[] = [];
    let failures = 0;
    for (const event of eventsOf.get(step.key) ?? []) {
      if (event.type === 'step.hold') {
        holds++;
        heldSince ??= event.at;
      } else if (heldSince !== null && ['step.resume', 'step.cancel', 'step.reopen'].includes(event.type)) {
        heldMinutes += minutesBetween(heldSince, event.at);
        heldSince = null;
      }
      if (event.type === 'step.fail') {
        failures++;
        if (event.reason) failureReasons.push(event.reason);
      }
    }
    if (heldSince !== null) heldMinutes += minutesBetween(heldSince, now);
    const actualMinutes =
      step.status === 'DONE' && step.startedAt !== null && step.endedAt !== null
        ? minutesBetween(step.startedAt, step.endedAt)
        : null;
    return {
      ...step,
      actualMinutes,
      overrunMinutes:
        actualMinutes !== null && step.durationMinutes !== null ? actualMinutes - step.durationMinutes : null,
      startDelayMinutes:
        step.startedAt !== null && step.readySince !== null
          ? Math.max(0, minutesBetween(step.readySince, step.startedAt))
          : null,
      holds,
      heldMinutes,
      failures,
      failureReasons,
    };
  });
}

/** Figures of groups of steps (chapters, phases) against their planned windows. */
export function groupFigures(
  name: string,
  steps: readonly StepFigures[],
  planned: { start: number; end: number } | null,
): GroupFigures {
  const starts = steps.flatMap((s) => (s.startedAt === null ? [] : [s.startedAt]));
  const finished = steps.filter((s) => FINISHED.has(s.status)).length;
  const ends = steps.flatMap((s) => (s.endedAt === null ? [] : [s.endedAt]));
  const actualEnd =
    steps.length > 0 && finished === steps.length && ends.length > 0 ? Math.max(...ends) : null;
  return {
    name,
    plannedStart: planned?.start ?? null,
    plannedEnd: planned?.end ?? null,
    actualStart: starts.length > 0 ? Math.min(...starts) : null,
    actualEnd,
    endDelayMinutes: actualEnd !== null && planned ? minutesBetween(planned.end, actualEnd) : null,
    steps: steps.length,
    finished,
    holds: steps.reduce((sum, s) => sum + s.holds, 0),
    failures: steps.reduce((sum, s) => sum + s.failures, 0),
  };
}

/** The delays and their causes, the costliest first; late starts under `minLateStart` minutes are noise. */
export function delayCauses(steps: readonly StepFigures[], minLateStart = 5): DelayCause[] {
  const causes: DelayCause[] = [];
  for (const step of steps) {
    if (step.overrunMinutes !== null && step.overrunMinutes > 0)
      causes.push({
        step: step.key,
        minutes: step.overrunMinutes,
        cause: 'overrun',
        detail: `took ${step.actualMinutes} min, planned ${step.durationMinutes}`,
      });
    if (step.startDelayMinutes !== null && step.startDelayMinutes >= minLateStart)
      causes.push({
        step: step.key,
        minutes: step.startDelayMinutes,
        cause: 'late start',
        detail: `started ${step.startDelayMinutes} min after it was ready`,
      });
    if (step.heldMinutes > 0)
      causes.push({
        step: step.key,
        minutes: step.heldMinutes,
        cause: 'hold',
        detail: `${step.holds} hold(s), ${step.heldMinutes} min`,
      });
    if (step.failures > 0)
      causes.push({
        step: step.key,
        minutes: 0,
        cause: 'failure',
        detail: `${step.failures} failure(s)${step.failureReasons.length > 0 ? `: ${step.failureReasons.join('; ')}` : ''}`,
      });
  }
  return causes.sort((a, b) => b.minutes - a.minutes || a.step.localeCompare(b.step));
}

// ---------------------------------------------------------------------------------------------
// Comparison across iterations (Run0 … Cutover)
// ---------------------------------------------------------------------------------------------

/** Whether the latest actual is slower or faster than the one before, by more than 10 %. */
export type Trend = 'slower' | 'faster' | 'steady';

export interface ComparisonRow {
  /** A step key, or a chapter name. */
  name: string;
  title: string;
  chapter: string;
  plannedMinutes: number | null;
  /** Actual minutes in each compared iteration, in their order; null where not done there. */
  actuals: (number | null)[];
  /** From the last two iterations with an actual; null with fewer than two. */
  trend: Trend | null;
  /** The re-estimated duration: the median of the actuals, whole minutes; null with none. */
  learnedMinutes: number | null;
}

/** The median of the values, rounded to whole minutes; null when there are none. */
export function medianMinutes(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return Math.round(sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2);
}

/**
 * The learned duration from a step's or chapter's actuals (null where it has none): their median,
 * whole minutes; null with no actual. The comparison shows it; the forecast may use it.
 */
export function learnedMinutesOf(actuals: readonly (number | null)[]): number | null {
  return medianMinutes(actuals.filter((a): a is number => a !== null));
}

/** The trend between the last two known actuals (see `Trend`). */
export function trendOf(actuals: readonly (number | null)[]): Trend | null {
  const known = actuals.filter((a): a is number => a !== null);
  if (known.length < 2) return null;
  const [before, last] = known.slice(-2) as [number, number];
  if (last > before * 1.1) return 'slower';
  if (last < before * 0.9) return 'faster';
  return 'steady';
}

/** One comparison row from the actuals of one step or chapter. */
export function comparisonRow(
  subject: Pick<ComparisonRow, 'name' | 'title' | 'chapter' | 'plannedMinutes'>,
  actuals: (number | null)[],
): ComparisonRow {
  return {
    ...subject,
    actuals,
    trend: trendOf(actuals),
    learnedMinutes: learnedMinutesOf(actuals),
  };
}
