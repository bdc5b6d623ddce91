/**
 * The contract between the step card's buttons and the bot: the verbs and data every
 * `Action.Execute` on the card carries, and how the bot reads them back from an
 * `adaptiveCard/action` invoke (`activity.value.action`).
 *
 * Data is `{ step, iteration, seen }` (shared fixture `teams/card-action-execute.json`), plus
 * `task` for a task button and `force: true` for a pilot's "Force start". `seen` is the status of
 * the subject the button acts on (the task's for a task button), as the viewer saw it: when it no
 * longer holds, the engine changes nothing and says who acted first.
 *
 * Teams merges the values of a card's inputs into the data under their ids. Input ids must be
 * unique on a card (the Adaptive Cards parser reports a duplicate as an error), so each reason
 * input has its own id; `parseStepCardAction` reads the one that belongs to the verb.
 */
import { z } from 'zod';
import {
  isWorkAction,
  type ControlAction,
  type ControlResult,
  type WorkAction,
  type WorkStatus,
} from '../../domain/statuses.js';

/** Verb of the card's refresh action, automatic (`refresh`) or the visible Refresh button. */
export const REFRESH_VERB = 'card.refresh';
/** Verb of a pilot's Activate button (the activation email to the team). */
export const ACTIVATE_VERB = 'step.activate';

/** The control actions the card offers: a result with a note, and the validator's confirmation. */
export const CARD_CONTROL_ACTIONS = ['pass', 'fail', 'confirm'] as const satisfies readonly ControlAction[];
export type CardControlAction = (typeof CARD_CONTROL_ACTIONS)[number];

export type StepCardVerb =
  | `step.${WorkAction}`
  | `task.${WorkAction}`
  | `control.${CardControlAction}`
  | typeof ACTIVATE_VERB
  | typeof REFRESH_VERB;

/** The id of the input that carries the reason for each verb that asks for one. */
export const REASON_INPUT_IDS = {
  'step.fail': 'reason',
  'step.hold': 'holdReason',
  'step.cancel': 'cancelReason',
} as const satisfies Partial<Record<StepCardVerb, string>>;

/** What an `Action.Execute` of the step card sends besides its verb. */
export interface StepCardActionData {
  /** Canonical step id. */
  step: string;
  /** Iteration name. */
  iteration: string;
  /** The subject's status (a control's result) as the viewer saw it; absent on refresh. */
  seen?: WorkStatus | ControlResult;
  /** Canonical task id, on task buttons. */
  task?: string;
  /** Canonical control id, on control buttons. */
  control?: string;
  /** A pilot's override of readiness (Force start). */
  force?: true;
  /** Done anyway on a go/no-go step: the open or failed controls of its phase are acknowledged. */
  acknowledgeControls?: true;
}

/** Data of a step button: `{ step, iteration, seen }`, exactly as the fixture has it. */
export function stepActionData(step: string, iteration: string, seen: WorkStatus): StepCardActionData {
  return { step, iteration, seen };
}

/** Data of a task button: the step's data with the task and the task's own status as `seen`. */
export function taskActionData(
  step: string,
  iteration: string,
  task: string,
  seen: WorkStatus,
): StepCardActionData {
  return { step, iteration, seen, task };
}

/** Data of a control button: the step's data with the control and its result as `seen`. */
export function controlActionData(
  step: string,
  iteration: string,
  control: string,
  seen: ControlResult,
): StepCardActionData {
  return { step, iteration, seen, control };
}

/** The id of a control's note input: unique on the card, as Teams requires. */
export function controlNoteInputId(control: string): string {
  return `note-${control}`;
}

/**
 * Data of a pilot's Activate button: an `Action.Submit` that Teams turns into a `task/fetch` invoke
 * (the `msteams` part), answered with the activation dialog. Outlook has no dialogs: the Outlook
 * card has no Activate button (src/mail/outlook-card.ts).
 */
export interface ActivationLaunchData {
  msteams: { type: 'task/fetch' };
  verb: typeof ACTIVATE_VERB;
  step: string;
  iteration: string;
}

export function activationLaunchData(step: string, iteration: string): ActivationLaunchData {
  return { msteams: { type: 'task/fetch' }, verb: ACTIVATE_VERB, step, iteration };
}

/** Reads the `data` of a `task/fetch` invoke from an Activate button; null when it is not one. */
export function parseActivationLaunch(data: unknown): { step: string; iteration: string } | null {
  const parsed = z
    .object({ verb: z.literal(ACTIVATE_VERB), step: nonEmptyText, iteration: nonEmptyText })
    .safeParse(data);
  return parsed.success ? { step: parsed.data.step, iteration: parsed.data.iteration } : null;
}

/** Data of the refresh action: which card to render again; nothing to compare. */
export function refreshActionData(step: string, iteration: string): StepCardActionData {
  return { step, iteration };
}

/** A card action as the bot should handle it. */
export type StepCardAction =
  | { kind: 'refresh'; step: string; iteration: string }
  | { kind: 'activate'; step: string; iteration: string; seen: string | null }
  | {
      kind: 'work';
      subject: 'step' | 'task';
      action: WorkAction;
      step: string;
      /** The task id for task buttons. */
      task: string | null;
      iteration: string;
      seen: string | null;
      /** Trimmed; null when absent or blank. */
      reason: string | null;
      force: boolean;
      /** Done anyway on a go/no-go step. */
      acknowledgeControls?: boolean;
    }
  | {
      kind: 'control';
      action: CardControlAction;
      step: string;
      control: string;
      iteration: string;
      seen: string | null;
      /** The note typed in the control's Result… form; null when absent or blank. */
      reason: string | null;
    }
  /** Not a step card action (another card, a forged or truncated payload): answer with a message. */
  | { kind: 'invalid'; problem: string };

const nonEmptyText = z.string().trim().min(1);
const actionSchema = z.object({
  verb: z.string(),
  data: z
    .object({
      step: nonEmptyText,
      iteration: nonEmptyText,
      seen: z.string().optional(),
      task: nonEmptyText.optional(),
      control: nonEmptyText.optional(),
      force: z.boolean().optional(),
      acknowledgeControls: z.boolean().optional(),
    })
    // Input values arrive merged into the data, under their own ids.
    .catchall(z.unknown()),
});

/**
 * Reads `activity.value.action` of an `adaptiveCard/action` invoke into a step card action. Never
 * throws: anything it does not recognise is `invalid`, with a problem to log and show.
 */
export function parseStepCardAction(payload: unknown): StepCardAction {
  const parsed = actionSchema.safeParse(payload);
  if (!parsed.success) {
    return { kind: 'invalid', problem: 'The card action has no verb or lacks the step and iteration.' };
  }
  const { verb, data } = parsed.data;
  const step = data.step.trim();
  const iteration = data.iteration.trim();
  const seen = data.seen ?? null;
  if (verb === REFRESH_VERB) return { kind: 'refresh', step, iteration };
  if (verb === ACTIVATE_VERB) return { kind: 'activate', step, iteration, seen };

  const [subject, action, ...rest] = verb.split('.');
  if (subject === 'control' && rest.length === 0) return parseControlAction(verb, action, data);
  if ((subject !== 'step' && subject !== 'task') || action === undefined || rest.length > 0) {
    return { kind: 'invalid', problem: `Unknown card action "${verb}".` };
  }
  if (!isWorkAction(action)) return { kind: 'invalid', problem: `Unknown card action "${verb}".` };
  const task = data.task?.trim() ?? null;
  if (subject === 'task' && task === null) {
    return { kind: 'invalid', problem: `The card action "${verb}" does not say which task.` };
  }
  const reasonInput = (REASON_INPUT_IDS as Record<string, string>)[verb];
  const rawReason = reasonInput === undefined ? undefined : data[reasonInput];
  const reason = typeof rawReason === 'string' && rawReason.trim() !== '' ? rawReason.trim() : null;
  return {
    kind: 'work',
    subject,
    action,
    step,
    task: subject === 'task' ? task : null,
    iteration,
    seen,
    reason,
    force: data.force === true,
    ...(data.acknowledgeControls === true ? { acknowledgeControls: true } : {}),
  };
}

function parseControlAction(
  verb: string,
  action: string | undefined,
  data: z.infer<typeof actionSchema>['data'],
): StepCardAction {
  const known = (CARD_CONTROL_ACTIONS as readonly string[]).includes(action ?? '');
  if (!known) return { kind: 'invalid', problem: `Unknown card action "${verb}".` };
  const control = data.control?.trim();
  if (!control) return { kind: 'invalid', problem: `The card action "${verb}" does not say which control.` };
  const note = data[controlNoteInputId(control)];
  return {
    kind: 'control',
    action: action as CardControlAction,
    step: data.step.trim(),
    control,
    iteration: data.iteration.trim(),
    seen: data.seen ?? null,
    reason: typeof note === 'string' && note.trim() !== '' ? note.trim() : null,
  };
}
