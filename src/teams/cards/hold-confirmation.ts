/**
 * The pilot's Hold button asks first: the press answers, for the pilot alone, with a confirmation
 * card showing the effect of the hold on the forecast (`previewStepAction`): the chapter's and the
 * iteration's end, and which steps move. Nothing has changed yet. "Confirm hold" sends the same
 * verb again with `confirmed: true` and the forecast shown (`forecastSeen`), which the engine keeps
 * in the hold's audit event; "Back" renders the step card again.
 *
 * Anyone else's Hold press (refused by the engine: holding is a pilot's action) and a hold whose
 * what-if cannot be computed (another iteration, a status hold does not leave) go straight to the
 * engine, as before.
 */
import type { Actor } from '../../engine/actor.js';
import type { Engine } from '../../engine/engine.js';
import {
  describeWhatIf,
  forecastSeen,
  previewStepAction,
  WhatIfError,
  type WhatIf,
} from '../../engine/what-if.js';
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

/** The confirmation card of a hold whose effect is `whatIf` (pure; see the file comment). */
export function holdConfirmationCard(
  whatIf: WhatIf,
  action: Extract<StepCardAction, { kind: 'work' }>,
): Record<string, unknown> {
  const [title, ...lines] = describeWhatIf(whatIf);
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
        title: `Confirm hold of ${whatIf.step}`,
        verb: 'step.hold',
        style: 'destructive',
        data: {
          step: action.step,
          iteration: action.iteration,
          ...(action.seen !== null ? { seen: action.seen } : {}),
          ...(action.reason ? { [REASON_INPUT_IDS['step.hold']]: action.reason } : {}),
          confirmed: true,
          forecastSeen: forecastSeen(whatIf),
        },
      },
      {
        type: 'Action.Execute',
        title: 'Back',
        verb: REFRESH_VERB,
        data: { step: action.step, iteration: action.iteration },
      },
    ],
  };
}
