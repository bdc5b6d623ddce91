/**
 * A CLI test's surroundings: a temporary data folder, the demo directory, and (when DATABASE_URL is
 * set) a PostgreSQL test database; `cli(...)` runs one `runsheet` invocation and collects its output.
 * Registers its own beforeAll/afterAll.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { runCliCaptured } from './run-cli.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliEnv {
  /** The temporary folder (data directory and any files the test writes). */
  readonly tmp: string;
  readonly env: NodeJS.ProcessEnv;
  cli(...argv: string[]): Promise<{ code: number; out: string; err: string }>;
  /** Runs `body` on the CLI's database between commands (which open and close it themselves). */
  withDatabase(body: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<void>): Promise<void>;
}

export function useCliEnv(prefix: string): CliEnv {
  let tmp = '';
  let env: NodeJS.ProcessEnv = {};
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    env = {
      RUNSHEET_DIRECTORY: path.join(ROOT, 'samples/demo-directory.json'),
      RUNSHEET_DATA_DIR: path.join(tmp, 'data'),
      LOG_LEVEL: 'silent',
    };
    if (process.env.DATABASE_URL) {
      database = await createTestDatabase();
      env.DATABASE_URL = database.url;
    }
  });
  afterAll(async () => {
    await database?.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  return {
    get tmp() {
      return tmp;
    },
    get env() {
      return env;
    },
    cli: (...argv) => runCliCaptured(env, argv),
    async withDatabase(body) {
      const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.RUNSHEET_DATA_DIR! });
      try {
        await body(db);
      } finally {
        await db.close();
      }
    },
  };
}
