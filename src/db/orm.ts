/**
 * drizzle-orm, loaded through `require`. Why: on Node 24 the ES module loader re-reads
 * drizzle-orm's 179 KB package.json (its `exports` map) for each of the ~450 module files it
 * loads, allocating about 200 MB at start; the pages stay resident long after the garbage is
 * collected (measured: 251 MB RSS after `import('drizzle-orm/pg-core')`, 62 MB through
 * `require`; see docs/performance.md). The CommonJS build is the same code and the same types.
 * Every runtime use of drizzle goes through this module; type-only imports may name
 * 'drizzle-orm' directly (eslint enforces both).
 */
import { createRequire } from 'node:module';
import type * as Orm from 'drizzle-orm';
import type * as NodePostgres from 'drizzle-orm/node-postgres';
import type * as NodePostgresMigrator from 'drizzle-orm/node-postgres/migrator';
import type * as PgCore from 'drizzle-orm/pg-core';
import type * as Pglite from 'drizzle-orm/pglite';
import type * as PgliteMigrator from 'drizzle-orm/pglite/migrator';

const require = createRequire(import.meta.url);

const orm = require('drizzle-orm') as typeof Orm;
export const { sql, eq, and } = orm;

const pgCore = require('drizzle-orm/pg-core') as typeof PgCore;
export const {
  PgDialect,
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} = pgCore;

export const { drizzle: drizzleNodePostgres } = require('drizzle-orm/node-postgres') as typeof NodePostgres;
export const { migrate: migrateNodePostgres } =
  require('drizzle-orm/node-postgres/migrator') as typeof NodePostgresMigrator;
export const { drizzle: drizzlePglite } = require('drizzle-orm/pglite') as typeof Pglite;
export const { migrate: migratePglite } = require('drizzle-orm/pglite/migrator') as typeof PgliteMigrator;
