/**
 * Starts the service: configuration (every problem listed, then exit), database (migrated at
 * start), directory, engine, the Teams bot and its job worker, HTTP. Stops cleanly on SIGTERM and SIGINT.
 */
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { DirectorySnapshot, type Directory } from './directory/directory.js';
import { loadJsonDirectory } from './directory/local-json-directory.js';
import { SwitchableDirectory } from './directory/switchable-directory.js';
import { Engine } from './engine/engine.js';
import { createHttpServer, listen } from './http/server.js';
import { createLogger } from './logger.js';
import { startTeamsService } from './teams/teams-service.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`runsheet: cannot start, ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.databasePoolMax,
  });
  await database.migrate();
  logger.info({ database: database.kind, location: database.location }, 'database ready');

  // Loaded at start so that a bad directory file stops the service now, not at the first click.
  let initialDirectory: Directory;
  if (config.directoryFile) {
    initialDirectory = loadJsonDirectory(config.directoryFile);
    logger.info(
      { directory: config.directoryFile, users: initialDirectory.allUsers().length },
      'directory loaded',
    );
  } else {
    initialDirectory = new DirectorySnapshot('no directory configured (set RUNSHEET_DIRECTORY)', []);
    logger.warn(
      config.localMode
        ? 'no directory configured: nobody can act until RUNSHEET_DIRECTORY is set, or /dev loads the demo people'
        : 'no directory configured: nobody can act until RUNSHEET_DIRECTORY (or Microsoft Graph) is set',
    );
  }
  // One object for the engine and the bot; local mode's /dev may swap the empty one for the demo people.
  const directory = new SwitchableDirectory(initialDirectory);
  const engine = new Engine({ database, directory, holdForecastMinutes: config.time.holdForecastMinutes });
  const server = createHttpServer({
    database,
    logger,
    about: { service: 'runsheet', mode: config.localMode ? 'local' : 'teams', database: database.kind },
  });
  const teams = startTeamsService({ config, server, engine, directory, logger });
  await listen(server, config.port, config.host);
  if (config.localMode) {
    logger.warn(
      { url: `http://${config.host}:${config.port}` },
      'LOCAL MODE: no MicrosoftAppId is configured, so /api/messages accepts unauthenticated requests and nothing reaches Teams; bound to ' +
        config.host +
        ' (open /dev)',
    );
  }
  logger.info({ port: config.port, host: config.host }, 'runsheet listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    server.close();
    await teams.stop();
    await database.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('runsheet: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
