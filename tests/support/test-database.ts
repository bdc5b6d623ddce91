/**
 * A fresh, migrated database for one test file: an in-memory PGlite, or on PostgreSQL (when
 * DATABASE_URL is set) a database cloned from the migrated template. The same tests run on both.
 */
import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase, openPglite, type Database } from '../../src/db/client.js';
import { inject } from 'vitest';
import { withDatabaseName } from './database-names.js';

export interface TestDatabase extends Database {
  /** The connection string of this test database (PostgreSQL only): for a second instance or psql. */
  readonly url: string | undefined;
  /** Closes the connections and drops the database. */
  destroy(): Promise<void>;
}

let pgliteTemplate: Promise<Database> | undefined;

export const onPostgres = (): boolean => Boolean(process.env.DATABASE_URL);

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    // Migrating PGlite takes about a second; cloning a migrated in-memory template takes far less.
    pgliteTemplate ??= openPglite(undefined).then(async (template) => {
      await template.migrate();
      return template;
    });
    const template = await pgliteTemplate;
    const database = await openPglite(undefined, (await template.pglite!.clone()) as PGlite);
    return Object.assign(database, { url: undefined, destroy: () => database.close() });
  }
  const name = `runsheet_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${name} template ${inject('templateDatabase')}`);
  const url = withDatabaseName(adminUrl, name);
  const database = await openDatabase({ databaseUrl: url, dataDir: '', poolMax: 5 });
  return Object.assign(database, {
    url,
    destroy: async () => {
      await database.close();
      await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
    },
  });
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
