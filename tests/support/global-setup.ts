/**
 * Runs once before the test files. On PostgreSQL (DATABASE_URL set) it migrates a template
 * database, which each test file then clones (CREATE DATABASE … TEMPLATE), the fast way to give
 * every file a fresh, migrated database. The template's name is unique to this run, so two runs
 * against one server (two developers, CI) never drop each other's template; it is dropped after.
 * On PGlite each file clones its own in-memory template (see test-database.ts).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client.js';
import { withDatabaseName } from './database-names.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

async function adminQuery(url: string, text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const url = process.env.DATABASE_URL;
  if (!url) return;
  const template = `runsheet_test_template_${randomBytes(4).toString('hex')}`;
  await adminQuery(url, `create database ${template}`);
  const database = await openDatabase({ databaseUrl: withDatabaseName(url, template), dataDir: '' });
  await database.migrate();
  await database.close();
  project.provide('templateDatabase', template);
  return () => adminQuery(url, `drop database if exists ${template} with (force)`);
}
