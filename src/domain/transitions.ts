/**
 * The transition tables of shared spec `domain.md` ("Step transitions", "Roles"): which action
 * leads from which status to which, who may take it, and the rules that can still refuse it.
 *
 * Decisions are pure: the engine looks up the facts (readiness, open tasks, started successors,
 * the parent step's status) and passes them in; nothing here reads a database or a clock.
 */

import { isOpenOrFailed } from './go-no-go.js';
import {
  CONTROL_ACTIONS,
  WORK_ACTIONS,
  type ControlAction,
  type ControlResult,
  type WorkAction,
  type WorkStatus,
} from './statuses.js';

export type RefusalCode =
  | 'ROLE'
  | 'STATUS'
  | 'NOT_READY'
  | 'TASKS_OPEN'
  | 'REASON_REQUIRED'
  | 'SUCCESSORS_STARTED'
  | 'STEP_NOT_IN_PROGRESS'
  | 'FORCE_NOT_ALLOWED'
  | 'CONTROLS_NOT_PASSED'
  | 'OWN_RESULT';

/** A refused action. `message` is fit to show the actor: it names the subject and what is needed. */
export interface Refusal {
  ok: false;
  code: RefusalCode;
  message: string;
}

export interface WorkTransitionInput {
  /** Canonical id of the step or task, used in messages. */
  subject: { kind: 'step' | 'task'; id: string };
  action: WorkAction;
  current: { status: WorkStatus; heldFrom: WorkStatus | null };
  actor: { isPilot: boolean; isOwnTeam: boolean };
  force: boolean;
  /** Trimmed by the caller; an empty string counts as missing. */
  reason: string | null;
  // Facts the engine looked up; only the ones the action needs are read.
  /** Steps, start: whether the step is ready (see `readiness.ts`). */
  ready?: boolean;
  /** Steps, start: when the step opens, if it waits for its fixed start (formatted for people). */
  opensAt?: string | null;
  /** Steps, done: ids of the step's tasks that are not DONE or CANCELLED. */
  openTasks?: string[];
  /** Steps, reopen: ids of the effective successors whose status has left OPEN. */
  startedSuccessors?: string[];
  /** Tasks: the status of the parent step. */
  stepStatus?: WorkStatus;
  /**
   * Go/no-go steps, done: the controls of the step's phase (see `go-no-go.ts`) with this
   * iteration's result; absent for any other step. OPEN or FAILED ones refuse the action unless
   * `acknowledgeControls` is set by a pilot.
   */
  phaseControls?: { phase: string; controls: readonly { id: string; result: ControlResult }[] };
  /** The actor saw the open or failed controls and marks the step done anyway (pilots only). */
  acknowledgeControls?: boolean;
}

export type WorkTransitionDecision =
  | {
      ok: true;
      to: WorkStatus;
      heldFrom: WorkStatus | null;
      forced: boolean;
      /** A go/no-go step done over open or failed controls: those controls, as acknowledged. */
      acknowledgedControls?: { id: string; result: ControlResult }[];
    }
  | Refusal;

export interface ControlTransitionInput {
  /** Canonical control id, used in messages. */
  control: string;
  action: ControlAction;
  current: ControlResult;
  actor: { isPilot: boolean; isProducer: boolean; isValidator: boolean };
  reason: string | null;
  /** Confirm: the actor set the current result themselves. */
  setByActor?: boolean;
  /** Confirm: the control's producer and validator are the same team. */
  sameTeam?: boolean;
}

export type ControlTransitionDecision = { ok: true; to: ControlResult } | Refusal;

/** Who may take a work action: `team` is the owning team or a pilot, `pilot` is pilots only. */
export type WorkActionRole = 'team' | 'pilot';

/** One row of the step/task table. `to: 'HELD_FROM'` means "back to the status hold left". */
export interface WorkTransitionRule {
  readonly from: readonly WorkStatus[];
  readonly to: WorkStatus | 'HELD_FROM';
  readonly who: WorkActionRole;
  readonly reasonRequired: boolean;
}

/** The statuses `hold` may leave, hence the only valid values of `heldFrom`. */
export const HOLDABLE_STATUSES = ['OPEN', 'IN_PROGRESS', 'FAILED'] as const satisfies readonly WorkStatus[];

/** The step transition table of `domain.md`, which tasks follow too. */
export const WORK_TRANSITION_TABLE: Readonly<Record<WorkAction, WorkTransitionRule>> = {
  start: { from: ['OPEN'], to: 'IN_PROGRESS', who: 'team', reasonRequired: false },
  done: { from: ['IN_PROGRESS'], to: 'DONE', who: 'team', reasonRequired: false },
  fail: { from: ['IN_PROGRESS'], to: 'FAILED', who: 'team', reasonRequired: true },
  retry: { from: ['FAILED'], to: 'IN_PROGRESS', who: 'team', reasonRequired: false },
  hold: { from: HOLDABLE_STATUSES, to: 'ON_HOLD', who: 'pilot', reasonRequired: false },
  resume: { from: ['ON_HOLD'], to: 'HELD_FROM', who: 'pilot', reasonRequired: false },
  cancel: {
    from: ['OPEN', 'IN_PROGRESS', 'ON_HOLD', 'FAILED'],
    to: 'CANCELLED',
    who: 'pilot',
    reasonRequired: true,
  },
  reopen: { from: ['DONE', 'CANCELLED'], to: 'IN_PROGRESS', who: 'pilot', reasonRequired: false },
};

/** Who may take a control action. */
export type ControlActionRole = 'producer-validator-pilot' | 'producer-pilot' | 'validator-pilot' | 'pilot';

/** One row of the control table. `to: 'SAME'`: the result stays (a confirmation). */
export interface ControlTransitionRule {
  readonly from: readonly ControlResult[];
  readonly to: ControlResult | 'SAME';
  readonly who: ControlActionRole;
  readonly reasonRequired: boolean;
}

/**
 * The control result table: a note is optional except when cancelling. `confirm` is the validator's
 * second pair of eyes on a PASSED or FAILED result: it keeps the result and records who confirmed
 * it; every action that changes the result drops the confirmation (the engine clears it).
 */
export const CONTROL_TRANSITION_TABLE: Readonly<Record<ControlAction, ControlTransitionRule>> = {
  pass: { from: ['OPEN', 'FAILED'], to: 'PASSED', who: 'producer-validator-pilot', reasonRequired: false },
  fail: { from: ['OPEN', 'PASSED'], to: 'FAILED', who: 'producer-validator-pilot', reasonRequired: false },
  confirm: { from: ['PASSED', 'FAILED'], to: 'SAME', who: 'validator-pilot', reasonRequired: false },
  cancel: { from: ['OPEN', 'PASSED', 'FAILED'], to: 'CANCELLED', who: 'pilot', reasonRequired: true },
  reopen: {
    from: ['PASSED', 'FAILED', 'CANCELLED'],
    to: 'OPEN',
    who: 'producer-pilot',
    reasonRequired: false,
  },
};

/** How many ids a refusal message names before summarising the rest (a step may have 1000 tasks). */
const MAX_IDS_IN_MESSAGE = 20;

/**
 * The status `action` leads to from `from` when the table allows it, else null. The engine also
 * uses it to recognise a repeated command: the target of the status the actor saw equals the
 * current status.
 */
export function actionTarget(
  action: WorkAction,
  from: WorkStatus,
  heldFrom: WorkStatus | null,
): WorkStatus | null {
  const rule = WORK_TRANSITION_TABLE[action];
  if (!rule.from.includes(from)) return null;
  return rule.to === 'HELD_FROM' ? resumeTarget(heldFrom) : rule.to;
}

/**
 * Where `resume` leads. A held item always records the status it left; should the record be
 * missing or impossible (a data repair gone wrong), OPEN — the initial status — is the safe
 * landing: nothing is skipped and a pilot is never left unable to resume.
 */
function resumeTarget(heldFrom: WorkStatus | null): WorkStatus {
  const holdable: readonly WorkStatus[] = HOLDABLE_STATUSES;
  return heldFrom !== null && holdable.includes(heldFrom) ? heldFrom : 'OPEN';
}

/**
 * Decides a step or task action. Checks run from the most fundamental to the most specific —
 * role, then status, then reason, then the rule of the action (readiness, open tasks, started
 * successors, parent step status) — so a refusal gives the reason that matters most.
 */
export function decideWorkTransition(input: WorkTransitionInput): WorkTransitionDecision {
  const { subject, action, current, actor } = input;
  const rule = WORK_TRANSITION_TABLE[action];
  const name = subjectName(subject);

  if (!hasWorkRole(rule.who, actor)) {
    const who = rule.who === 'pilot' ? 'a pilot' : `the ${subject.kind}'s team or a pilot`;
    return refuse('ROLE', `Only ${who} may ${describeWorkAction(action, name)}.`);
  }

  const to = actionTarget(action, current.status, current.heldFrom);
  if (to === null) {
    return refuse(
      'STATUS',
      `Cannot ${describeWorkAction(action, name)}: it is ${current.status} and must be ${orList(rule.from)}.`,
    );
  }

  if (rule.reasonRequired && !hasText(input.reason)) {
    return refuse('REASON_REQUIRED', `A reason is required to ${describeWorkAction(action, name)}.`);
  }

  const obstacle = subject.kind === 'step' ? stepObstacle(input, name) : taskObstacle(input, name);
  let forced = false;
  if (obstacle !== null) {
    if (!obstacle.forcible) return refuse(obstacle.code, obstacle.message);
    if (!input.force) {
      const hint = actor.isPilot ? 'Repeat with force to override.' : 'Only a pilot may force it.';
      return refuse(obstacle.code, `${obstacle.message} ${hint}`);
    }
    if (!actor.isPilot) {
      return refuse('FORCE_NOT_ALLOWED', `${obstacle.message} Only a pilot may force it.`);
    }
    forced = true;
  }

  const acknowledged = controlsObstacle(input, name);
  if (acknowledged !== null && !acknowledged.ok) return acknowledged;

  // Only `hold` enters ON_HOLD, so heldFrom is set there and null everywhere else.
  return {
    ok: true,
    to,
    heldFrom: action === 'hold' ? current.status : null,
    forced,
    ...(acknowledged?.ok ? { acknowledgedControls: acknowledged.controls } : {}),
  };
}

/**
 * Done on a go/no-go step while controls of its phase are OPEN or FAILED: refused unless a pilot
 * acknowledges them. Only pilots, because marking a go/no-go step done over a failed control is a
 * steering decision, and the steps belong to execution teams. Null when nothing is open or failed.
 */
function controlsObstacle(
  input: WorkTransitionInput,
  name: string,
): { ok: true; controls: { id: string; result: ControlResult }[] } | Refusal | null {
  if (input.subject.kind !== 'step' || input.action !== 'done' || !input.phaseControls) return null;
  const blocking = input.phaseControls.controls
    .filter((c) => isOpenOrFailed(c.result))
    .map((c) => ({ id: c.id, result: c.result }));
  if (blocking.length === 0) return null;
  if (input.acknowledgeControls && input.actor.isPilot) return { ok: true, controls: blocking };
  const listed = idList(blocking.map((c) => `${c.id} ${c.result}`));
  const message = `${capitalise(name)} is a go/no-go step and controls of phase ${input.phaseControls.phase} are not passed: ${listed}.`;
  const hint = input.actor.isPilot
    ? 'Repeat with the acknowledgement to mark it done anyway; the open controls are recorded.'
    : 'Only a pilot may mark it done anyway.';
  return refuse('CONTROLS_NOT_PASSED', `${message} ${hint}`);
}

/**
 * The work actions `actor` may take on an item in `status`, judging role and status only (the
 * rules needing looked-up facts are left to `decideWorkTransition`). For offering buttons on a card.
 */
export function availableWorkActions(
  status: WorkStatus,
  actor: { isPilot: boolean; isOwnTeam: boolean },
): WorkAction[] {
  return WORK_ACTIONS.filter((action) => {
    const rule = WORK_TRANSITION_TABLE[action];
    return hasWorkRole(rule.who, actor) && rule.from.includes(status);
  });
}

/** The result `action` leads to from `from` when the control table allows it, else null. */
export function controlActionTarget(action: ControlAction, from: ControlResult): ControlResult | null {
  const rule = CONTROL_TRANSITION_TABLE[action];
  if (!rule.from.includes(from)) return null;
  return rule.to === 'SAME' ? from : rule.to;
}

/**
 * The control actions `actor` may take on a result, judging role and status only (`confirm` also
 * needs an unconfirmed result). For offering buttons on a card and in the tab.
 */
export function availableControlActions(
  result: ControlResult,
  confirmed: boolean,
  actor: ControlTransitionInput['actor'],
): ControlAction[] {
  return CONTROL_ACTIONS.filter((action) => {
    const rule = CONTROL_TRANSITION_TABLE[action];
    if (action === 'confirm' && confirmed) return false;
    return hasControlRole(rule.who, actor) && rule.from.includes(result);
  });
}

/** Decides a control result action: role, then status, then reason. */
export function decideControlTransition(input: ControlTransitionInput): ControlTransitionDecision {
  const { control, action, current, actor } = input;
  const rule = CONTROL_TRANSITION_TABLE[action];
  const name = `control ${control}`;

  if (!hasControlRole(rule.who, actor)) {
    const own =
      rule.who === 'validator-pilot' && actor.isProducer
        ? ' The producer team does not confirm its own result.'
        : '';
    return refuse('ROLE', `Only ${describeControlRole(rule.who)} may ${action} ${name}.${own}`);
  }
  const to = controlActionTarget(action, current);
  if (to === null) {
    return refuse('STATUS', `Cannot ${action} ${name}: it is ${current} and must be ${orList(rule.from)}.`);
  }
  if (rule.reasonRequired && !hasText(input.reason)) {
    return refuse('REASON_REQUIRED', `A reason is required to ${action} ${name}.`);
  }
  // Four eyes: whoever set the result does not confirm it, unless one team both produces and
  // validates the control (nobody else could) or a pilot does.
  if (action === 'confirm' && input.setByActor && !input.sameTeam && !actor.isPilot) {
    return refuse(
      'OWN_RESULT',
      `Cannot confirm ${name}: you set its result yourself; another member of the validator team or a pilot confirms it.`,
    );
  }
  return { ok: true, to };
}

/** Something that blocks an otherwise allowed action; `forcible` ones a pilot may override. */
interface Obstacle {
  code: 'NOT_READY' | 'TASKS_OPEN' | 'SUCCESSORS_STARTED' | 'STEP_NOT_IN_PROGRESS';
  message: string;
  forcible: boolean;
}

function stepObstacle(input: WorkTransitionInput, name: string): Obstacle | null {
  switch (input.action) {
    case 'start': {
      const ready = requireFact(input.ready, 'ready', input);
      if (ready) return null;
      return {
        code: 'NOT_READY',
        message: input.opensAt
          ? `${capitalise(name)} is not ready: it opens at ${input.opensAt} (fixed start).`
          : `${capitalise(name)} is not ready: not all of its predecessors are DONE or CANCELLED.`,
        forcible: true,
      };
    }
    case 'done': {
      const openTasks = requireFact(input.openTasks, 'openTasks', input);
      if (openTasks.length === 0) return null;
      return {
        code: 'TASKS_OPEN',
        message: `${capitalise(name)} has tasks not DONE or CANCELLED: ${idList(openTasks)}.`,
        forcible: true,
      };
    }
    case 'reopen': {
      const started = requireFact(input.startedSuccessors, 'startedSuccessors', input);
      if (started.length === 0) return null;
      // Not forcible: reopening under a running successor would let it run on a redone input.
      return {
        code: 'SUCCESSORS_STARTED',
        message: `Cannot reopen ${name}: its successors have already started: ${idList(started)}.`,
        forcible: false,
      };
    }
    default:
      return null;
  }
}

function taskObstacle(input: WorkTransitionInput, name: string): Obstacle | null {
  const stepStatus = requireFact(input.stepStatus, 'stepStatus', input);
  if (stepStatus === 'IN_PROGRESS') return null;
  return {
    code: 'STEP_NOT_IN_PROGRESS',
    message: `${capitalise(name)} can change only while its step is IN_PROGRESS; the step is ${stepStatus}.`,
    forcible: true,
  };
}

/** A missing fact is a bug in the caller, not a user error: fail loudly rather than guess. */
function requireFact<T>(value: T | undefined, fact: string, input: WorkTransitionInput): T {
  if (value === undefined) {
    throw new Error(
      `decideWorkTransition: ${input.action} of ${input.subject.kind} ${input.subject.id} needs the fact "${fact}"`,
    );
  }
  return value;
}

function hasWorkRole(who: WorkActionRole, actor: { isPilot: boolean; isOwnTeam: boolean }): boolean {
  return actor.isPilot || (who === 'team' && actor.isOwnTeam);
}

function hasControlRole(who: ControlActionRole, actor: ControlTransitionInput['actor']): boolean {
  switch (who) {
    case 'producer-validator-pilot':
      return actor.isPilot || actor.isProducer || actor.isValidator;
    case 'producer-pilot':
      return actor.isPilot || actor.isProducer;
    case 'validator-pilot':
      return actor.isPilot || actor.isValidator;
    case 'pilot':
      return actor.isPilot;
  }
}

function describeControlRole(who: ControlActionRole): string {
  switch (who) {
    case 'producer-validator-pilot':
      return 'the producer team, the validator team or a pilot';
    case 'producer-pilot':
      return 'the producer team or a pilot';
    case 'validator-pilot':
      return 'the validator team or a pilot';
    case 'pilot':
      return 'a pilot';
  }
}

/** The action as a verb phrase about `name`, to read naturally inside a sentence. */
function describeWorkAction(action: WorkAction, name: string): string {
  switch (action) {
    case 'done':
      return `mark ${name} done`;
    case 'hold':
      return `put ${name} on hold`;
    default:
      return `${action} ${name}`;
  }
}

function subjectName(subject: WorkTransitionInput['subject']): string {
  return `${subject.kind} ${subject.id}`;
}

function hasText(reason: string | null): boolean {
  return reason !== null && reason.trim() !== '';
}

function refuse(code: RefusalCode, message: string): Refusal {
  return { ok: false, code, message };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `A`, `A or B`, `A, B or C`. */
function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function idList(ids: readonly string[]): string {
  if (ids.length <= MAX_IDS_IN_MESSAGE) return ids.join(', ');
  return `${ids.slice(0, MAX_IDS_IN_MESSAGE).join(', ')} and ${ids.length - MAX_IDS_IN_MESSAGE} more`;
}
