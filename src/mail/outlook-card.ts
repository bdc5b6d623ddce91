/**
 * The step card as Outlook gets it: in a mail (an actionable message) and in the answer to an
 * Outlook card action. Outlook runs the same Universal Actions (`Action.Execute`, through the bot's
 * Outlook channel) as Teams, with these differences:
 * - `originator` must name the provider registered in the actionable email developer dashboard,
 *   or Outlook shows no card;
 * - Outlook supports cards up to version 1.4 (the step card uses nothing newer than 1.4);
 * - `refresh` is honoured for everyone who opens the mail (Outlook ignores `userIds`), so the card
 *   shows the current state whenever the mail is opened, not the state when it was sent;
 * - there are no Teams dialogs: `Action.Submit` buttons (the pilots' Activate, which opens one) are
 *   removed, and so is the Teams-only `msteams` property.
 */
import type { AdaptiveCard } from '../teams/cards/render-step-card.js';
import { REFRESH_VERB, type StepCardActionData } from '../teams/cards/step-card-actions.js';

export const OUTLOOK_CARD_VERSION = '1.4';

/** Returns an Outlook copy of `card`; the card itself is not changed. */
export function toOutlookCard(card: AdaptiveCard, originator: string | undefined): AdaptiveCard {
  const copy = withoutSubmitActions(structuredClone(card)) as AdaptiveCard;
  delete copy.msteams;
  copy.version = OUTLOOK_CARD_VERSION;
  if (originator) copy.originator = originator;
  else delete copy.originator;
  if (!copy.refresh) {
    const data = findRefreshData(copy);
    if (data) copy.refresh = { action: { type: 'Action.Execute', verb: REFRESH_VERB, data }, userIds: [] };
  } else {
    copy.refresh = { ...copy.refresh, userIds: [] };
  }
  return copy;
}

/** Drops every Action.Submit (Teams dialog launchers), and action sets left empty by that. */
function withoutSubmitActions(node: unknown): unknown {
  if (Array.isArray(node)) {
    return node
      .filter((item) => !(isObject(item) && item.type === 'Action.Submit'))
      .map(withoutSubmitActions)
      .filter(
        (item) => !(isObject(item) && item.type === 'ActionSet' && (item.actions as unknown[]).length === 0),
      );
  }
  if (!isObject(node)) return node;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, withoutSubmitActions(value)]));
}

/** The data of the card's own Refresh button, to build the automatic refresh from. */
function findRefreshData(node: unknown): StepCardActionData | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findRefreshData(item);
      if (found) return found;
    }
    return undefined;
  }
  if (!isObject(node)) return undefined;
  if (node.type === 'Action.Execute' && node.verb === REFRESH_VERB && isObject(node.data)) {
    return node.data as unknown as StepCardActionData;
  }
  for (const value of Object.values(node)) {
    const found = findRefreshData(value);
    if (found) return found;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
