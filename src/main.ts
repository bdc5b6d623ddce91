/**
 * Starts the service: configuration (every problem listed, then exit), database (migrated at
 * start), directory, then the engine, the Teams bot and its job worker and the tab (service.ts),
 * HTTP. Stops cleanly on SIGTERM and SIGINT.
 */
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { DirectorySnapshot, type Directory } from './directory/directory.js';
import { loadJsonDirectory } from './directory/local-json-directory.js';
import { SwitchableDirectory } from './directory/switchable-directory.js';
import { readTeamGroups } from './directory/team-groups.js';
import { createGraphServices } from './graph/graph-services.js';
import { listen } from './http/server.js';
import { shutDownOnSignals } from './lifecycle/graceful-shutdown.js';
import { createLogger } from './logger.js';
import { chooseMailTransport } from './mail/choose-mail-transport.js';
import { seedEmailTemplates } from './mail/template-store.js';
import { assembleService } from './service.js';

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
  // Migrations run here, at every start, before the service listens (an advisory lock serialises
  // instances starting together); the image's migrate command does the same on its own.
  await database.migrate();
  logger.info({ database: database.kind, location: database.location }, 'database ready: migrations applied');
  const seeded = await seedEmailTemplates(database.db);
  if (seeded.length > 0) logger.info({ templates: seeded }, 'email templates seeded from templates/mail');

  // Loaded at start so that a bad directory file stops the service now, not at the first click.
  let initialDirectory: Directory;
  const graph = config.graph
    ? createGraphServices(config.graph, logger, { teamGroups: () => readTeamGroups(database.db) })
    : undefined;
  if (graph) {
    // Waits for the first read of the groups; if it fails, the service starts anyway (logged) and
    // the directory keeps trying in the background.
    await graph.directory.start();
    initialDirectory = graph.directory;
  } else if (config.directoryFile) {
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
  // Mail: Microsoft Graph when configured, else the local outbox.
  const mailTransport = chooseMailTransport({ config, logger, graph: graph?.mailTransport ?? null });
  const { server, health, teams, tab } = await assembleService({
    config,
    logger,
    database,
    directory,
    mailTransport,
  });
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

  shutDownOnSignals({
    logger,
    health,
    server,
    stopWorkers: (options) => teams.stop(options),
    stopBackground: async () => {
      graph?.directory.stop();
      await tab.stop();
    },
    database,
    graceMs: config.shutdownGraceMs,
  });
}

main().catch((error: unknown) => {
  console.error('runsheet: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
