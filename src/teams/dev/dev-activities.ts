/**
 * Teams-shaped activities of local mode's dev channel, as the Teams service would send them to
 * the bot (the shapes of tests/fixtures/teams). The dev page (public/dev.js) builds the same
 * shapes in the browser; this module builds them for the server-side demo set-up.
 */
import type { DirectoryUser } from '../../directory/directory.js';

/** The bot's own channel account in local mode (there is no app id to derive it from). */
export const DEV_BOT = { id: '28:runsheet-local-bot', name: 'Runsheet' } as const;
/** A stand-in tenant: every dev conversation belongs to it. */
export const DEV_TENANT_ID = 'local-dev-tenant';

/** A Teams user id (`29:…`, the MRI Teams puts in `from.id`) for a directory user. */
export function devTeamsUserId(user: Pick<DirectoryUser, 'aadObjectId'>): string {
  return `29:dev-${user.aadObjectId}`;
}

/** The channel id of a dev channel, shaped like a Teams channel id: `19:dev-business-ops@thread.tacv2`. */
export function devChannelId(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `19:dev-${slug || 'channel'}@thread.tacv2`;
}

export interface DevChannelRef {
  /** The channel's conversation id (also the id of the dev Team it is the General channel of). */
  id: string;
  /** Shown as the Team's and the channel's name. */
  name: string;
}

type Activity = Record<string, unknown>;

const conversationOf = (channel: DevChannelRef, id: string) => ({
  isGroup: true,
  conversationType: 'channel',
  tenantId: DEV_TENANT_ID,
  id,
  name: channel.name,
});

const channelDataOf = (channel: DevChannelRef) => ({
  teamsChannelId: channel.id,
  teamsTeamId: channel.id,
  channel: { id: channel.id, name: channel.name },
  team: { id: channel.id, name: channel.name },
  tenant: { id: DEV_TENANT_ID },
});

/**
 * The bot was added to a team (fixture bot-added-to-team.json): each dev channel is the General
 * channel of its own Team, so the conversation is the channel itself.
 */
export function botAddedActivity(
  channel: DevChannelRef,
  by: DirectoryUser,
  serviceUrl: string,
  now = new Date(),
): Activity {
  return {
    type: 'conversationUpdate',
    id: `f:dev-${now.getTime()}-${Math.random().toString(16).slice(2, 10)}`,
    timestamp: now.toISOString(),
    serviceUrl,
    channelId: 'msteams',
    from: { id: devTeamsUserId(by), aadObjectId: by.aadObjectId, name: by.name },
    conversation: conversationOf(channel, channel.id),
    recipient: { ...DEV_BOT },
    membersAdded: [{ id: DEV_BOT.id }],
    channelData: { ...channelDataOf(channel), eventType: 'teamMemberAdded' },
  };
}

/**
 * A channel post @mentioning the bot (fixture channel-command.json). `id` is the post's id, which
 * the dev connector assigned when the post was recorded; the conversation id names the thread.
 */
export function channelCommandActivity(
  channel: DevChannelRef,
  from: DirectoryUser,
  id: string,
  command: string,
  serviceUrl: string,
  now = new Date(),
): Activity {
  return {
    type: 'message',
    id,
    timestamp: now.toISOString(),
    serviceUrl,
    channelId: 'msteams',
    from: { id: devTeamsUserId(from), aadObjectId: from.aadObjectId, name: from.name },
    conversation: conversationOf(channel, `${channel.id};messageid=${id}`),
    recipient: { ...DEV_BOT },
    textFormat: 'plain',
    text: `<at>${DEV_BOT.name}</at> ${command}`,
    entities: [
      { type: 'mention', text: `<at>${DEV_BOT.name}</at>`, mentioned: { ...DEV_BOT } },
      { type: 'clientInfo', locale: 'en-GB', platform: 'Web' },
    ],
    channelData: channelDataOf(channel),
    locale: 'en-GB',
  };
}

/** The post as the dev connector keeps it, so the page can show who wrote what. */
export function recordedPost(
  from: { id: string; aadObjectId?: string; name: string },
  text: string,
): Activity {
  return { type: 'message', from, text, textFormat: 'plain', timestamp: new Date().toISOString() };
}
