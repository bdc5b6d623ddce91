/** `npm run db:migrate`: applies pending migrations to the configured database, then exits. */
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from './client.js';

try {
  const config = loadConfig();
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: 1,
  });
  try {
    await database.migrate();
    console.log(`migrations applied to ${database.kind} ${database.location}`);
  } finally {
    await database.close();
  }
} catch (error) {
  console.error(`db:migrate: ${error instanceof ConfigError ? error.message : (error as Error).message}`);
  process.exitCode = 1;
}
