/**
 * Fixed starts ("not before", docs/time.md): a step is not ready before its fixed start in the
 * iteration, even when its predecessors are done. The fixed starts come with the plan (the
 * `Fixed starts` sheet, table `step_fixed_starts`) and live in the plan snapshot's iteration scope.
 * The timer that opens a step at its fixed start is in `step-open-timer.ts`.
 */
import type { IterationScope } from '../domain/readiness.js';
import { formatLocalTime } from './messages.js';

/** When the step opens, for people, while its fixed start is ahead of `now`; null otherwise. */
export function opensAtText(
  scope: IterationScope,
  index: number,
  context: { now: Date; iteration: { timeZone: string } },
): string | null {
  const notBefore = scope.notBeforeOf(index);
  if (notBefore === null || notBefore <= context.now.getTime()) return null;
  return formatLocalTime(new Date(notBefore), context.iteration.timeZone);
}
