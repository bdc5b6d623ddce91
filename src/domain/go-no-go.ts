/**
 * Go/no-go steps (IGO, BGO, GON): the decision points of a rehearsal. Such a step shows the controls
 * of its **phase** (the controls linked to tasks of the in-scope steps of the same phase) with this
 * iteration's result, and marking it done while any of them is OPEN or FAILED needs an explicit
 * acknowledgement (see `decideWorkTransition`, obstacle `CONTROLS_NOT_PASSED`).
 *
 * The step types are data (the workbook's `Step types` sheet), so this is a list of type codes, not
 * a flag on the type: a plan without these types simply has no go/no-go steps.
 */
import type { ControlResult } from './statuses.js';

/** The step types whose steps are go/no-go decisions. */
export const GO_NO_GO_STEP_TYPES: readonly string[] = ['IGO', 'BGO', 'GON'];

/** Whether a canonical step id (`IGO-15`) is a go/no-go step. */
export function isGoNoGoStep(stepKey: string): boolean {
  return GO_NO_GO_STEP_TYPES.includes(stepKey.slice(0, stepKey.indexOf('-')).toUpperCase());
}

/** A control as a go/no-go step sees it: this iteration's result and whether it was confirmed. */
export interface PhaseControl {
  id: string;
  name: string;
  producer: string;
  validator: string;
  result: ControlResult;
  confirmed: boolean;
}

/** The results that hold a go/no-go step back: nothing checked yet, or checked and failed. */
export function isOpenOrFailed(result: ControlResult): boolean {
  return result === 'OPEN' || result === 'FAILED';
}

/** Failed first, then open, then passed but not confirmed, then the rest; by id within each. */
export function orderPhaseControls<T extends Pick<PhaseControl, 'id' | 'result' | 'confirmed'>>(
  controls: readonly T[],
): T[] {
  const rank = (c: T): number => {
    if (c.result === 'FAILED') return 0;
    if (c.result === 'OPEN') return 1;
    if (c.result === 'PASSED' && !c.confirmed) return 2;
    return 3;
  };
  return [...controls].sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
}

/** `5 passed, 2 open, 1 failed` (zero counts left out; `no controls` when there are none). */
export function countControls(controls: readonly Pick<PhaseControl, 'result'>[]): string {
  const counts: [ControlResult, string][] = [
    ['PASSED', 'passed'],
    ['OPEN', 'open'],
    ['FAILED', 'failed'],
    ['CANCELLED', 'cancelled'],
  ];
  const parts = counts
    .map(([result, word]) => [controls.filter((c) => c.result === result).length, word] as const)
    .filter(([n]) => n > 0)
    .map(([n, word]) => `${n} ${word}`);
  return parts.length > 0 ? parts.join(', ') : 'no controls';
}

/** `Controls of phase Migration: 5 passed, 2 open, 1 failed`. */
export function phaseControlsHeading(
  phase: string,
  controls: readonly Pick<PhaseControl, 'result'>[],
): string {
  return `Controls of phase ${phase}: ${countControls(controls)}`;
}
