/**
 * Which durations an iteration's forecast uses (its **duration basis**, set by a pilot):
 *
 * - `indicative` (the default): each step's indicative duration from the plan;
 * - `learned`: each step's learned duration, the median of its actuals in the **earlier**
 *   iterations (plan order; a DONE step's start to end, as in the comparison across iterations,
 *   `report-figures.ts`), falling back to the indicative duration where the step has no past actual.
 *
 * Pure: the actuals are given.
 */
import { learnedMinutesOf } from './report-figures.js';

export const DURATION_BASES = ['indicative', 'learned'] as const;
export type DurationBasis = (typeof DURATION_BASES)[number];

export function isDurationBasis(value: unknown): value is DurationBasis {
  return typeof value === 'string' && (DURATION_BASES as readonly string[]).includes(value);
}

/**
 * Each step's learned duration from its past actuals (by step, one entry per earlier iteration,
 * null where the step has no actual there): the median in whole minutes, null with no actual.
 */
export function learnedDurations(pastActuals: readonly (readonly (number | null)[])[]): (number | null)[] {
  return pastActuals.map(learnedMinutesOf);
}

/** The duration the forecast uses for one step under `basis`. */
export function forecastDuration(
  basis: DurationBasis,
  indicativeMinutes: number | null,
  learnedMinutes: number | null,
): number | null {
  return basis === 'learned' && learnedMinutes !== null ? learnedMinutes : indicativeMinutes;
}

/**
 * How the forecast says which durations it uses: "indicative durations", or "learned durations
 * from Run0–DR1" (`from`: the earlier iterations with an actual, in plan order).
 */
export function describeDurationBasis(basis: DurationBasis, from: readonly string[]): string {
  if (basis === 'indicative') return 'indicative durations';
  if (from.length === 0) return 'learned durations (no earlier actuals yet: indicative durations)';
  const span = from.length === 1 ? from[0]! : `${from[0]!}–${from.at(-1)!}`;
  return `learned durations from ${span}`;
}
