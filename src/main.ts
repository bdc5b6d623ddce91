/**
 * Starts the service: configuration (every problem listed, then exit), database (migrated at
 * start), directory, engine, the Teams bot and its job worker, HTTP. Stops cleanly on SIGTERM and SIGINT.
 */
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { DirectorySnapshot, type Directory } from './directory/directory.js';
import { loadJsonDirectory } from './directory/local-json-directory.js';
import { SwitchableDirectory } from './directory/switchable-directory.js';
import { readTeamGroups } from './directory/team-groups.js';
import { Engine } from './engine/engine.js';
import { createGraphServices } from './graph/graph-services.js';
import { HealthState } from './http/health.js';
import { createHttpServer, listen } from './http/server.js';
import { shutDownOnSignals } from './lifecycle/graceful-shutdown.js';
import { createLogger } from './logger.js';
import { startTabService } from './tab/tab-service.js';
import { outboundCallProbe } from './observability/outbound-health.js';
import { chooseMailTransport } from './mail/choose-mail-transport.js';
import { seedEmailTemplates } from './mail/template-store.js';
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
  const engine = new Engine({ database, directory, holdForecastMinutes: config.time.holdForecastMinutes });
  const health = new HealthState(database);
  const server = createHttpServer({
    database,
    logger,
    health,
    about: { service: 'runsheet', mode: config.localMode ? 'local' : 'teams', database: database.kind },
  });
  // Mail: Microsoft Graph when configured, else the local outbox.
  const mailTransport = chooseMailTransport({ config, logger, graph: graph?.mailTransport ?? null });
  const teams = startTeamsService({ config, server, engine, directory, logger, mailTransport });
  const tab = await startTabService({ config, server, engine, directory, logger });
  health.require('jobWorker', () => {
    const { polling, running, lastClaimError } = teams.worker.status();
    if (!polling) return { ok: false, detail: 'the job worker is not polling' };
    if (lastClaimError !== null) return { ok: false, detail: `claiming jobs failed: ${lastClaimError}` };
    return { ok: true, detail: `polling, ${running} job(s) running` };
  });
  health.inform(
    'teams',
    outboundCallProbe(
      'connector',
      'Bot Connector',
      config.localMode ? 'local mode: the built-in connector, no call yet' : 'no Bot Connector call yet',
    ),
  );
  health.inform('graph', outboundCallProbe('graph', 'Microsoft Graph', 'no Microsoft Graph call yet'));
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
