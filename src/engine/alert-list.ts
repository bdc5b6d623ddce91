/** The open alerts of an iteration, for the `late` chat command (and later the tab). */
import { sql } from '../db/orm.js';
import { queryRows, toDate, type Queryable } from '../db/client.js';
import type { AlertKind } from '../domain/alert-rules.js';

export interface OpenAlert {
  kind: AlertKind;
  subject: string;
  message: string;
  raisedAt: Date;
}

/** Open alerts of the iteration, oldest first. */
export async function listOpenAlerts(db: Queryable, iterationId: number): Promise<OpenAlert[]> {
  const rows = await queryRows<{
    kind: AlertKind;
    subject: string;
    message: string;
    raised_at: Date | string;
  }>(
    db,
    sql`select kind, subject, message, raised_at from alerts
        where iteration_id = ${iterationId} and resolved_at is null order by raised_at, id`,
  );
  return rows.map((row) => ({
    kind: row.kind,
    subject: row.subject,
    message: row.message,
    raisedAt: toDate(row.raised_at)!,
  }));
}
