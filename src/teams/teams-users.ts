/**
 * Teams user ids (`29:…`) by Entra object id, learnt from every activity the bot receives. A card
 * lists them in `refresh.userIds` so that Teams refreshes it by itself into each listed user's own
 * view: a pilot sees Hold and Resume, a team member Start and Done, without pressing Refresh.
 * Teams honours at most 60 ids per card; people the bot has not heard from yet are not listed and
 * keep the Refresh button.
 */
import { sql } from '../db/orm.js';
import { queryRows, type Queryable } from '../db/client.js';

/** Ids already stored by this process, so a busy channel does not write on every message. */
const known = new Map<string, string>();

/** Remembers the Teams user id of the sender of an activity. */
export async function rememberTeamsUser(
  db: Queryable,
  user: { aadObjectId: string; teamsUserId: string; name: string },
): Promise<void> {
  const key = user.aadObjectId.toLowerCase();
  if (known.get(key) === user.teamsUserId) return;
  await db.execute(sql`insert into teams_users (aad_object_id, teams_user_id, name) values (${key}, ${user.teamsUserId}, ${user.name})
      on conflict (aad_object_id) do update set teams_user_id = excluded.teams_user_id, name = excluded.name, seen_at = now()`);
  known.set(key, user.teamsUserId);
}

/** The Teams user ids of these people (by Entra object id), those the bot knows, in the given order. */
export async function teamsUserIdsOf(db: Queryable, aadObjectIds: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(aadObjectIds.map((id) => id.toLowerCase()))];
  if (wanted.length === 0) return [];
  const rows = await queryRows<{ aad_object_id: string; teams_user_id: string }>(
    db,
    sql`select aad_object_id, teams_user_id from teams_users
        where aad_object_id in (select value from jsonb_array_elements_text(${JSON.stringify(wanted)}::jsonb))`,
  );
  const byAad = new Map(rows.map((row) => [row.aad_object_id, row.teams_user_id]));
  return wanted.flatMap((id) => (byAad.has(id) ? [byAad.get(id)!] : []));
}
