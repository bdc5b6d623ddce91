/**
 * Card actions from Outlook. An actionable message's `Action.Execute` reaches the bot as the same
 * `adaptiveCard/action` invoke as a Teams card button, through the bot's Outlook channel
 * (`channelId: "outlook"`), and is answered the same way: in the HTTP response, with the card
 * Outlook shows in place of the old one. Differences handled here:
 * - who pressed: Universal Actions put the user's Entra object id in `from.aadObjectId`; the Outlook
 *   channel has also been seen to carry it only in `from.id`, or to identify the user by SMTP
 *   address, so those are read too (object id first, as for Teams);
 * - the answer is the Outlook form of the card (originator, version 1.4, no Teams dialog button).
 */
import type { Activity } from 'botbuilder';
import type { ActorRef } from '../engine/command.js';

export const OUTLOOK_CHANNEL_ID = 'outlook';

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isOutlookActivity(activity: Pick<Activity, 'channelId'>): boolean {
  return activity.channelId === OUTLOOK_CHANNEL_ID;
}

/** Who sent the activity, as the directory can look them up. */
export function actorRefOf(activity: Pick<Activity, 'channelId' | 'from'>): ActorRef {
  const from = activity.from ?? { id: '', name: '' };
  if (!isOutlookActivity(activity)) return { aadObjectId: from.aadObjectId ?? undefined };
  const id = (from.id ?? '').trim();
  const email = /^[^\s@]+@[^\s@]+$/.test(id) ? id : undefined;
  const aadObjectId = from.aadObjectId ?? (OBJECT_ID.test(id) ? id : undefined);
  return { ...(aadObjectId ? { aadObjectId } : {}), ...(email ? { email } : {}) };
}
