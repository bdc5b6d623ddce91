/** The step card a given viewer gets back after pressing a button or asking for a refresh. */
import type { Actor } from '../engine/actor.js';
import type { Engine } from '../engine/engine.js';
import { findIterationByName } from '../engine/read-models.js';
import { loadStepCardData } from './cards/step-card-data.js';
import { renderStepCard, type AdaptiveCard, type CardNotice } from './cards/render-step-card.js';

/** A card that only says something went wrong for this viewer, when there is no step to show. */
function messageCard(text: string): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    version: '1.5',
    body: [{ type: 'TextBlock', text, wrap: true, color: 'attention' }],
  };
}

/**
 * Renders the card of `step` in `iteration` (the active one when null) for `viewer`, with the
 * outcome of their action (the notice) on top. Never throws for a bad step or iteration: a card says so.
 */
export async function renderCardForViewer(
  engine: Engine,
  input: {
    step: string;
    iteration: string | null;
    viewer: Actor | null;
    notice: CardNotice | null;
    now: Date;
  },
): Promise<AdaptiveCard> {
  const iteration = await findIterationByName(engine.database.db, input.iteration);
  const snapshot = await engine.snapshot();
  const index = snapshot.indexOfKey(input.step);
  if (!iteration || index === undefined) {
    return messageCard(
      input.notice?.text ??
        `${input.step} is no longer in the plan${input.iteration ? ` of ${input.iteration}` : ''}.`,
    );
  }
  const data = await loadStepCardData(engine, iteration.id, snapshot.steps[index]!.dbId, input.now, {
    iteration,
    snapshot,
  });
  return renderStepCard(data, input.viewer, { notice: input.notice ?? undefined, refreshUserIds: [] });
}
