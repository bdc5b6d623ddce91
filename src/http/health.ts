/** Liveness and readiness, as JSON (shared spec interfaces.md: GET /healthz, GET /readyz). */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from '../db/orm.js';
import { packageRoot, queryRows, type Database } from '../db/client.js';

export interface ReadinessCheck {
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, ReadinessCheck>;
}

/** How many migrations the code ships (drizzle's journal), to compare with what the database applied. */
function shippedMigrationCount(): number {
  const journal = JSON.parse(
    fs.readFileSync(path.join(packageRoot(), 'migrations', 'meta', '_journal.json'), 'utf8'),
  ) as { entries: unknown[] };
  return journal.entries.length;
}

/** Checks the database is reachable and fully migrated. */
export async function checkReadiness(database: Database): Promise<Readiness> {
  const checks: Record<string, ReadinessCheck> = {};
  try {
    await queryRows(database.db, sql`select 1`);
    checks.database = { ok: true, detail: `${database.kind} ${database.location}` };
    const [applied] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    const shipped = shippedMigrationCount();
    checks.migrations =
      applied?.n === shipped
        ? { ok: true, detail: `${shipped} applied` }
        : { ok: false, detail: `${applied?.n ?? 0} of ${shipped} applied` };
  } catch (error) {
    checks.database ??= { ok: false, detail: (error as Error).message };
  }
  return {
    ready: Object.values(checks).every((check) => check.ok) && checks.migrations !== undefined,
    checks,
  };
}
