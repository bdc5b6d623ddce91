/**
 * The pilot's Hold button asks first: the press answers, for the pilot alone, with a confirmation
 * card showing the effect of the hold on the forecast (`previewStepAction`): the chapter's and the
 * iteration's end, and which steps move. Nothing has changed yet. "Confirm hold" sends the same
 * verb again with `confirmed: true` and the forecast shown (`forecastSeen`), which the engine keeps
 * in the hold's audit event; "Back" renders the step card again.
 *
 * The chat's `hold TRT-123?` (and any `verb ID?`) answers with the same card for that action, without
 * Back (`answerWhatIfInChat`); its Confirm goes through the same card path.
 *
 * Anyone else's Hold press (refused by the engine: holding is a pilot's action) and a hold whose
 * what-if cannot be computed (another iteration, a status hold does not leave) go straight to the
 * engine, as before.
 */
import { CardFactory, type Activity } from 'botbuilder';
import type { WorkAction } from '../../domain/statuses.js';
import type { Actor } from '../../engine/actor.js';
import type { Engine } from '../../engine/engine.js';
import {
  describeWhatIf,
  forecastSeen,
  previewStepAction,
  WhatIfError,
  type WhatIf,
} from '../../engine/what-if.js';
import { NotFoundError } from '../../engine/read-models.js';
import { REASON_INPUT_IDS, REFRESH_VERB, type StepCardAction } from './step-card-actions.js';

/** Whether a card press is a pilot's Hold that has not been confirmed yet. */
export function needsHoldConfirmation(
  action: StepCardAction,
  actor: Actor | undefined,
  data: unknown,
): boolean {
  return (
    action.kind === 'work' &&
    action.subject === 'step' &&
    action.action === 'hold' &&
    actor?.isPilot === true &&
    (data as { confirmed?: unknown } | undefined)?.confirmed !== true
  );
}

/** The forecast a confirmed Hold carries back, for the audit; undefined on any other press. */
export function forecastSeenIn(data: unknown): Record<string, unknown> | undefined {
  const value = (data as { confirmed?: unknown; forecastSeen?: unknown } | undefined) ?? {};
  return value.confirmed === true && typeof value.forecastSeen === 'object' && value.forecastSeen !== null
    ? (value.forecastSeen as Record<string, unknown>)
    : undefined;
}

/**
 * The confirmation card for a pilot's Hold, or null when the what-if cannot be computed (the press
 * then goes to the engine, which says why).
 */
export async function renderHoldConfirmation(
  engine: Engine,
  action: Extract<StepCardAction, { kind: 'work' }>,
  now: Date,
): Promise<Record<string, unknown> | null> {
  let whatIf;
  try {
    whatIf = await previewStepAction(engine, 'hold', action.step, now);
  } catch (error) {
    if (error instanceof WhatIfError) return null;
    throw error;
  }
  if (whatIf.iteration.toLowerCase() !== action.iteration.toLowerCase()) return null;
  return holdConfirmationCard(whatIf, action);
}

/** The confirmation card of a hold whose effect is `whatIf`, with Back to the step card (pure). */
export function holdConfirmationCard(
  whatIf: WhatIf,
  action: Extract<StepCardAction, { kind: 'work' }>,
): Record<string, unknown> {
  return whatIfConfirmationCard(whatIf, action, { back: true });
}

/** What a confirmation card sends back besides `confirmed` and the forecast seen. */
interface ConfirmedAction {
  step: string;
  iteration: string;
  seen: string | null;
  reason: string | null;
  force: boolean;
}

/**
 * The confirmation card of any step action whose effect is `whatIf` (pure): the what-if, "Nothing
 * has changed yet", and a Confirm button that sends the action's verb with `confirmed: true` and
 * the forecast shown. `back`: a Back button that renders the step card again (the step card's
 * Hold); the chat's `verb ID?` answer has no card to go back to.
 */
export function whatIfConfirmationCard(
  whatIf: WhatIf,
  action: ConfirmedAction,
  options: { back: boolean },
): Record<string, unknown> {
  const [title, ...lines] = describeWhatIf(whatIf);
  const verb = `step.${whatIf.action}`;
  const reasonInput = (REASON_INPUT_IDS as Record<string, string>)[verb];
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: title!.replace(/\*\*/g, ''), weight: 'Bolder', size: 'Medium', wrap: true },
      ...lines.map((text) => ({ type: 'TextBlock', text, wrap: true })),
      ...(action.reason
        ? [{ type: 'TextBlock', text: `Reason: ${action.reason}`, wrap: true, isSubtle: true }]
        : []),
      { type: 'TextBlock', text: 'Nothing has changed yet.', weight: 'Bolder', color: 'Warning', wrap: true },
    ],
    actions: [
      {
        type: 'Action.Execute',
        title: `Confirm ${whatIf.action} of ${whatIf.step}`,
        verb,
        style: DESTRUCTIVE.has(whatIf.action) ? 'destructive' : 'positive',
        data: {
          step: action.step,
          iteration: action.iteration,
          ...(action.seen !== null ? { seen: action.seen } : {}),
          ...(action.reason && reasonInput ? { [reasonInput]: action.reason } : {}),
          ...(action.force ? { force: true } : {}),
          confirmed: true,
          forecastSeen: forecastSeen(whatIf),
        },
      },
      ...(options.back
        ? [
            {
              type: 'Action.Execute',
              title: 'Back',
              verb: REFRESH_VERB,
              data: { step: action.step, iteration: action.iteration },
            },
          ]
        : []),
    ],
  };
}

const DESTRUCTIVE: ReadonlySet<WorkAction> = new Set(['hold', 'fail', 'cancel']);

/**
 * The chat's answer to `verb ID…?`: for each step, a confirmation card (the what-if and a Confirm
 * button, which applies the action through the card path and records the forecast seen); a line of
 * text for each id whose what-if cannot be computed. Nothing is written here.
 */
export async function answerWhatIfInChat(
  engine: Engine,
  request: { action: WorkAction; ids: readonly string[]; reason: string | null; force: boolean },
  now: Date,
): Promise<string | Partial<Activity>> {
  const notes: string[] = [];
  const cards: Record<string, unknown>[] = [];
  for (const id of request.ids) {
    try {
      const whatIf = await previewStepAction(engine, request.action, id, now);
      cards.push(
        whatIfConfirmationCard(
          whatIf,
          {
            step: whatIf.step,
            iteration: whatIf.iteration,
            seen: whatIf.from,
            reason: request.reason,
            force: request.force,
          },
          { back: false },
        ),
      );
    } catch (error) {
      if (!(error instanceof WhatIfError) && !(error instanceof NotFoundError)) throw error;
      notes.push(`ℹ️ ${error.message} Nothing has changed.`);
    }
  }
  if (cards.length === 0) return notes.join('\n\n');
  return {
    type: 'message',
    text: [...notes, 'Nothing has changed. Confirm on the card to apply it.'].join('\n\n'),
    attachments: cards.map((card) => CardFactory.adaptiveCard(card)),
  };
}
