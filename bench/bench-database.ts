/**
 * The benchmark's own PostgreSQL database: dropped and created afresh through an admin connection
 * (the server's `DATABASE_URL`, or a local default), migrated like the service does, dropped at
 * the end. The benchmark never touches any other database.
 */
import pg from 'pg';

/** The admin connection used when DATABASE_URL is not set. */
export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const BENCH_DATABASE = 'runsheet_bench';

/** The same connection string pointing at another database on the same server. */
export function withDatabaseName(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs statements on a short-lived admin connection; returns the rows of the last one. */
export async function adminQuery(url: string, ...statements: string[]): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let rows: Record<string, unknown>[] = [];
    for (const statement of statements) rows = (await client.query(statement)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

/** Drops `name` if present (disconnecting its sessions) and creates it empty. */
export async function recreateDatabase(adminUrl: string, name: string): Promise<void> {
  await adminQuery(adminUrl, `drop database if exists ${name} with (force)`, `create database ${name}`);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
}

/** `select version()` of the server, e.g. `PostgreSQL 15.20 (Debian …) on x86_64-pc-linux-gnu, …`. */
export async function serverVersion(adminUrl: string): Promise<string> {
  const [row] = await adminQuery(adminUrl, 'select version() as version');
  return String(row?.['version'] ?? 'unknown');
}
