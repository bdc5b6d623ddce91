/**
 * Runs once before the test files. On PostgreSQL (DATABASE_URL set) it migrates a template
 * database, which each test file then clones (CREATE DATABASE … TEMPLATE), the fast way to give
 * every file a fresh, migrated database. On PGlite each file migrates its own in-memory database.
 */
import pg from 'pg';
import { openDatabase } from '../../src/db/client.js';
import { TEMPLATE_DATABASE, withDatabaseName } from './database-names.js';

export default async function setup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) return;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${TEMPLATE_DATABASE} with (force)`);
    await admin.query(`create database ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  const template = await openDatabase({ databaseUrl: withDatabaseName(url, TEMPLATE_DATABASE), dataDir: '' });
  await template.migrate();
  await template.close();
}
