/**
 * Statuses and actions of the execution state (shared spec `domain.md`, "Statuses").
 *
 * Terminology:
 * - A **work status** is the per-iteration status of a step or a task. Steps and tasks share one
 *   status set and one transition table (see `transitions.ts`).
 * - A **finished** work item is DONE or CANCELLED: it no longer blocks its successors.
 * - A **control result** is the per-iteration outcome of a control; it has its own small set.
 * - An **action** is what an actor asks for (`start`, `pass`, ...); the transition table decides
 *   which status it leads to. Actions are verbs, statuses are states: never mix the two.
 * - **Ready** is derived, never stored (see `readiness.ts`).
 */

export const WORK_STATUSES = ['OPEN', 'IN_PROGRESS', 'ON_HOLD', 'FAILED', 'DONE', 'CANCELLED'] as const;
export type WorkStatus = (typeof WORK_STATUSES)[number];

export const CONTROL_RESULTS = ['OPEN', 'PASSED', 'FAILED', 'CANCELLED'] as const;
export type ControlResult = (typeof CONTROL_RESULTS)[number];

export const WORK_ACTIONS = ['start', 'done', 'fail', 'retry', 'hold', 'resume', 'cancel', 'reopen'] as const;
export type WorkAction = (typeof WORK_ACTIONS)[number];

/**
 * `confirm` is the validator team's confirmation of a PASSED or FAILED result: it keeps the result
 * and records who confirmed it; any later change of the result drops the confirmation.
 */
export const CONTROL_ACTIONS = ['pass', 'fail', 'confirm', 'cancel', 'reopen'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

/** True for DONE and CANCELLED: the statuses that release a step's successors. */
export function isFinished(status: WorkStatus): boolean {
  return status === 'DONE' || status === 'CANCELLED';
}

/** Narrows an untrusted string (database row, request body) to a work status. */
export function isWorkStatus(x: string): x is WorkStatus {
  return (WORK_STATUSES as readonly string[]).includes(x);
}

/** Narrows an untrusted string to a control result. */
export function isControlResult(x: string): x is ControlResult {
  return (CONTROL_RESULTS as readonly string[]).includes(x);
}

/** Narrows an untrusted string (card payload, command argument) to a step or task action. */
export function isWorkAction(x: string): x is WorkAction {
  return (WORK_ACTIONS as readonly string[]).includes(x);
}

/** Narrows an untrusted string to a control action. */
export function isControlAction(x: string): x is ControlAction {
  return (CONTROL_ACTIONS as readonly string[]).includes(x);
}

/**
 * Marks a branch the type checker proves unreachable (the `default` of an exhaustive switch), so
 * adding a status or an action without handling it fails to compile; throws if reached anyway.
 */
export function assertNever(x: never): never {
  throw new Error(`Unexpected value: ${String(x)}`);
}
