/**
 * Liveness and readiness, as JSON (shared spec interfaces.md: GET /healthz, GET /readyz).
 *
 * Readiness means "send me traffic": the database answers, every migration is applied, the job
 * worker is polling, and the process is not shutting down. Checks of things outside the service
 * (Teams, Graph) are shown in the details but never decide readiness: an instance cannot fix a
 * Teams outage, and taking every instance out of the load balancer would only add a Bot outage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from '../db/orm.js';
import { packageRoot, queryRows, type Database } from '../db/client.js';

export interface ReadinessCheck {
  ok: boolean;
  detail: string;
  /** False for checks shown for information only (they do not decide `ready`). */
  required?: boolean;
}

export interface Readiness {
  ready: boolean;
  /** True once shutdown began: the instance finishes its work and takes no new traffic. */
  draining: boolean;
  checks: Record<string, ReadinessCheck>;
}

/** A check run at each /readyz request. It should answer quickly and must not throw (a throw counts as not ok). */
export type ReadinessProbe = () => ReadinessCheck | Promise<ReadinessCheck>;

/** How many migrations the code ships (drizzle's journal), to compare with what the database applied. */
function shippedMigrationCount(): number {
  const journal = JSON.parse(
    fs.readFileSync(path.join(packageRoot(), 'migrations', 'meta', '_journal.json'), 'utf8'),
  ) as { entries: unknown[] };
  return journal.entries.length;
}

/**
 * What /readyz reports: the database checks, the probes the service's parts register (the job
 * worker as required, Teams and Graph for information), and whether shutdown has begun.
 */
export class HealthState {
  private draining = false;
  private readonly probes = new Map<string, { probe: ReadinessProbe; required: boolean }>();

  constructor(private readonly database: Database) {}

  /** Adds a check that must pass for the instance to be ready. */
  require(name: string, probe: ReadinessProbe): void {
    this.probes.set(name, { probe, required: true });
  }

  /** Adds a check shown in /readyz for information; it never makes the instance unready. */
  inform(name: string, probe: ReadinessProbe): void {
    this.probes.set(name, { probe, required: false });
  }

  /** Shutdown began: /readyz answers 503 from now on, so load balancers stop sending traffic here. */
  startDraining(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async check(): Promise<Readiness> {
    const base = await checkDatabaseReadiness(this.database);
    const checks: Record<string, ReadinessCheck> = { ...base.checks };
    let ready = base.ready && !this.draining;
    for (const [name, { probe, required }] of this.probes) {
      let result: ReadinessCheck;
      try {
        result = await probe();
      } catch (error) {
        result = { ok: false, detail: `check failed: ${(error as Error).message}` };
      }
      checks[name] = required ? { ok: result.ok, detail: result.detail } : { ...result, required: false };
      if (required && !result.ok) ready = false;
    }
    if (this.draining)
      checks.shutdown = { ok: false, detail: 'draining: shutting down, finishing the work in hand' };
    return { ready, draining: this.draining, checks };
  }
}

/** Checks the database is reachable and fully migrated. */
export async function checkDatabaseReadiness(
  database: Database,
): Promise<{ ready: boolean; checks: Record<string, ReadinessCheck> }> {
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
