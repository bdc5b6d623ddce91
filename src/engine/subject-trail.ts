/**
 * The audit trail of a step and its tasks in one iteration, newest first: what the tab's step
 * detail shows. Reads audit_events by subject through its (subject, seq) index.
 */
import { sql } from '../db/orm.js';
import { queryRows, toDate, type Queryable } from '../db/client.js';

export interface TrailEntry {
  seq: number;
  at: Date;
  actor: string;
  actorName: string;
  subject: string;
  type: string;
  /** The door: tab, teams, command, cli, outlook; null for events that are not commands. */
  source: string | null;
  from: string | null;
  to: string | null;
  reason: string | null;
  /** A refusal's or stale command's message. */
  message: string | null;
}

/** The latest `limit` events about any of `subjects` in `iteration`, newest first. */
export async function subjectTrail(
  db: Queryable,
  iteration: string,
  subjects: readonly string[],
  limit = 50,
): Promise<TrailEntry[]> {
  if (subjects.length === 0) return [];
  const rows = await queryRows<{
    seq: number | string;
    at: Date | string;
    actor: string;
    actor_name: string;
    subject: string;
    type: string;
    source: string | null;
    from: string | null;
    to: string | null;
    reason: string | null;
    message: string | null;
  }>(
    db,
    sql`select seq, at, actor, actor_name, subject, type, details->>'source' as source, details->>'from' as "from",
          details->>'to' as "to", details->>'reason' as reason, details->>'message' as message
        from audit_events
        where subject in (${sql.join(
          subjects.map((s) => sql`${s}`),
          sql`, `,
        )}) and iteration = ${iteration}
        order by seq desc limit ${limit}`,
  );
  return rows.map((row) => ({
    seq: Number(row.seq),
    at: toDate(row.at)!,
    actor: row.actor,
    actorName: row.actor_name,
    subject: row.subject,
    type: row.type,
    source: row.source,
    from: row.from,
    to: row.to,
    reason: row.reason,
    message: row.message,
  }));
}
