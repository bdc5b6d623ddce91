/** The open alerts of an iteration, for the `late` chat command and the tab's board. */
import { sql } from '../db/orm.js';
import { queryRows, toDate, type Queryable } from '../db/client.js';
import type { AlertKind } from '../domain/alert-rules.js';
import { formatLocalTime } from './messages.js';

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

/** An open alert as the tab's board shows it: the raise time also in the iteration's time zone. */
export interface BoardAlert {
  kind: AlertKind;
  subject: string;
  message: string;
  raisedAt: { at: string; local: string };
}

/** The iteration's open alerts for the board, newest first (the one that just arrived on top). */
export async function listBoardAlerts(
  db: Queryable,
  iteration: { id: number; timeZone: string },
): Promise<BoardAlert[]> {
  const alerts = await listOpenAlerts(db, iteration.id);
  return alerts.reverse().map((alert) => ({
    kind: alert.kind,
    subject: alert.subject,
    message: alert.message,
    raisedAt: {
      at: alert.raisedAt.toISOString(),
      local: formatLocalTime(alert.raisedAt, iteration.timeZone),
    },
  }));
}
