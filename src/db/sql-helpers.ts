/** Small SQL building blocks shared by the engine's raw queries. */
import { sql } from './orm.js';
import type { SQL } from 'drizzle-orm';

/** `(a, b, c)` for an IN list; callers guarantee a non-empty list. */
export function sqlList(values: readonly (string | number)[]): SQL {
  return sql`(${sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  )})`;
}

/**
 * Rows handed to PostgreSQL as one jsonb parameter, to be read with `jsonb_to_recordset`. One
 * parameter whatever the row count, and the same on node-postgres and PGlite: bulk writes of
 * 20,000 steps stay a handful of statements.
 */
export function jsonbRows(rows: readonly object[]): SQL {
  return sql`${JSON.stringify(rows)}::jsonb`;
}
