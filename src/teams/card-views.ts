/** The step card a given viewer gets back after pressing a button or asking for a refresh. */
import type { Actor } from '../engine/actor.js';
import type { Engine } from '../engine/engine.js';
import { findIterationByName, NotFoundError } from '../engine/read-models.js';
import { readStepCard, type StepCardData } from './cards/step-card-data.js';
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
 * Iteration ids by the name card actions give (lower case; `''` for the active iteration), per
 * engine. Only a guess, which saves a round trip per press: the card's own query reads the
 * iteration row, and a row that no longer answers to the name sends the lookup to the database.
 */
const iterationIds = new WeakMap<Engine, Map<string, number>>();

/**
 * Renders the card of `step` in `iteration` (the active one when null) for `viewer`, with the
 * outcome of their action (the notice) on top. Never throws for a bad step or iteration: a card
 * says so. On a warm service this is one query (`readStepCard`).
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
  const gone = () =>
    messageCard(
      input.notice?.text ??
        `${input.step} is no longer in the plan${input.iteration ? ` of ${input.iteration}` : ''}.`,
    );
  let snapshot = engine.plans.latest() ?? (await engine.snapshot());
  // A step the cached plan does not know may come with a newer import.
  if (snapshot.indexOfKey(input.step) === undefined) snapshot = await engine.snapshot();
  const index = snapshot.indexOfKey(input.step);
  if (index === undefined) return gone();
  const stepId = snapshot.steps[index]!.dbId;

  const ids = iterationIds.get(engine) ?? new Map<string, number>();
  iterationIds.set(engine, ids);
  const nameKey = input.iteration?.toLowerCase() ?? '';
  const guess = ids.get(nameKey);
  if (guess !== undefined) {
    const card = await readStepCard(engine, guess, stepId, input.now, snapshot).catch(notFoundAsUndefined);
    if (card && answersTo(card.data.iteration, card.iterationArchived, input.iteration)) {
      return renderStepCard(card.data, input.viewer, {
        notice: input.notice ?? undefined,
        refreshUserIds: [],
      });
    }
    ids.delete(nameKey);
  }
  const iteration = await findIterationByName(engine.database.db, input.iteration);
  if (!iteration) return gone();
  ids.set(nameKey, iteration.id);
  const card = await readStepCard(engine, iteration.id, stepId, input.now, snapshot).catch(
    notFoundAsUndefined,
  );
  if (!card) return gone();
  return renderStepCard(card.data, input.viewer, { notice: input.notice ?? undefined, refreshUserIds: [] });
}

/** Whether an iteration is the one `findIterationByName(name)` would find. */
function answersTo(iteration: StepCardData['iteration'], archived: boolean, name: string | null): boolean {
  if (archived) return false;
  return name === null ? iteration.status === 'ACTIVE' : iteration.name.toLowerCase() === name.toLowerCase();
}

/** A step archived or an iteration removed since the snapshot: the card says so instead. */
function notFoundAsUndefined(error: unknown): undefined {
  if (error instanceof NotFoundError) return undefined;
  throw error;
}
