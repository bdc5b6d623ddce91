/**
 * Where cards and notices go: the Teams conversations the bot knows (stored when it is installed
 * or first spoken to) and which plan team, or the pilots, each one serves. Linking is a pilot's
 * change and is audited like every other; the bot module supplies the conversation reference as
 * plain JSON, so nothing here depends on botbuilder.
 */
import { sql } from '../db/orm.js';
import { appendAuditEvent } from '../audit/audit-log.js';
import { queryRows, type Database, type Queryable } from '../db/client.js';
import type { Actor } from './actor.js';

export interface ConversationInfo {
  /** The conversation to post new messages to: a channel id (`19:…@thread.tacv2`), chat id, … */
  conversationId: string;
  serviceUrl: string;
  tenantId: string | null;
  /** The botbuilder ConversationReference, kept as received. */
  reference: Record<string, unknown>;
}

export interface LinkedConversation extends ConversationInfo {
  purpose: 'team' | 'pilots' | 'unlinked';
  team: string | null;
}

/**
 * The conversation new posts go to. A message in a channel thread arrives with
 * `19:…@thread.tacv2;messageid=…`; the channel itself is the part before `;`.
 */
export function baseConversationId(conversationId: string): string {
  return conversationId.split(';')[0]!;
}

/** Extracts the channel id from a Teams channel link ("Get link to channel"), or null. */
export function channelIdFromLink(link: string): string | null {
  const match = /\/l\/channel\/([^/?#]+)/.exec(link.trim());
  if (!match) return null;
  try {
    const id = decodeURIComponent(match[1]!);
    return /^19:.+@thread\.(tacv2|skype)$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** Remembers a conversation the bot can post to (installation, first message). Idempotent. */
export async function rememberConversation(db: Queryable, info: ConversationInfo): Promise<void> {
  await db.execute(sql`insert into conversation_refs (conversation_id, service_url, tenant_id, reference)
      values (${info.conversationId}, ${info.serviceUrl}, ${info.tenantId}, ${JSON.stringify(info.reference)}::jsonb)
      on conflict (conversation_id) do update set service_url = excluded.service_url, tenant_id = excluded.tenant_id,
        reference = excluded.reference, updated_at = now()`);
}

export type LinkResult = { ok: true; message: string } | { ok: false; message: string };

/**
 * Links a conversation to a plan team or to the pilots (`target` = team name or `pilots`,
 * case-insensitive), or unlinks it (`target` null). Pilots only; audited.
 */
export async function linkConversation(
  database: Database,
  input: { info: ConversationInfo; target: string | null; actor: Actor },
): Promise<LinkResult> {
  const { info, target, actor } = input;
  const action = target === null ? 'unlink' : 'link';
  if (!actor.isPilot) {
    return { ok: false, message: `Only a pilot can ${action} a channel; ${actor.name} is not a pilot.` };
  }
  return database.db.transaction(async (tx) => {
    await rememberConversation(tx, info);
    let purpose: LinkedConversation['purpose'] = 'unlinked';
    let team: { id: number; name: string } | undefined;
    if (target !== null && target.trim().toLowerCase() === 'pilots') {
      purpose = 'pilots';
    } else if (target !== null) {
      [team] = await queryRows<{ id: number; name: string }>(
        tx,
        sql`select id, name from teams where lower(name) = lower(${target.trim()}) and not archived`,
      );
      if (!team) {
        const known = await queryRows<{ name: string }>(
          tx,
          sql`select name from teams where not archived order by name`,
        );
        return {
          ok: false,
          message: `There is no team "${target.trim()}" in the plan (teams: ${known.map((k) => k.name).join(', ') || 'none, import a plan first'}; or "pilots").`,
        };
      }
      purpose = 'team';
    }
    await tx.execute(sql`update conversation_refs set purpose = ${purpose}, team_id = ${team?.id ?? null}, updated_at = now()
        where conversation_id = ${info.conversationId}`);
    await appendAuditEvent(tx, {
      actor: actor.email,
      actorName: actor.name,
      subject: info.conversationId,
      type: `conversation.${action}`,
      details: { purpose, team: team?.name ?? null },
    });
    const what =
      purpose === 'pilots'
        ? "the pilots' channel"
        : purpose === 'team'
          ? `the channel of ${team!.name}`
          : 'not linked to any team';
    return { ok: true, message: `This conversation is now ${what}.` };
  });
}

/** The conversations that serve a plan team: linked ones, and its workbook channel link if the bot is there. */
export async function conversationsOfTeam(db: Queryable, teamName: string): Promise<LinkedConversation[]> {
  const [team] = await queryRows<{ id: number; name: string; channel_url: string }>(
    db,
    sql`select id, name, channel_url from teams where name = ${teamName} and not archived`,
  );
  if (!team) return [];
  const channelId = channelIdFromLink(team.channel_url);
  const rows = await queryRows<{
    conversation_id: string;
    service_url: string;
    tenant_id: string | null;
    reference: Record<string, unknown>;
    purpose: LinkedConversation['purpose'];
  }>(
    db,
    sql`select conversation_id, service_url, tenant_id, reference, purpose from conversation_refs
        where (purpose = 'team' and team_id = ${team.id}) or (${channelId}::text is not null and conversation_id = ${channelId} and purpose <> 'pilots')
        order by id`,
  );
  return rows.map((row) => ({
    conversationId: row.conversation_id,
    serviceUrl: row.service_url,
    tenantId: row.tenant_id,
    reference: row.reference,
    purpose: row.purpose,
    team: team.name,
  }));
}

/** The pilots' channels. */
export async function pilotConversations(db: Queryable): Promise<LinkedConversation[]> {
  const rows = await queryRows<{
    conversation_id: string;
    service_url: string;
    tenant_id: string | null;
    reference: Record<string, unknown>;
  }>(
    db,
    sql`select conversation_id, service_url, tenant_id, reference from conversation_refs where purpose = 'pilots' order by id`,
  );
  return rows.map((row) => ({
    conversationId: row.conversation_id,
    serviceUrl: row.service_url,
    tenantId: row.tenant_id,
    reference: row.reference,
    purpose: 'pilots',
    team: null,
  }));
}
