/**
 * The service's parts on one HTTP server, not yet listening: the engine, health, the Teams bot and
 * its job worker, the tab. main.ts assembles the service with it; a simulated rehearsal
 * (`npm run simulate -- --serve`) assembles the same service on its virtual clock.
 *
 * One clock for everything time-dependent: the engine's. The bot, the job worker (due jobs, card
 * rendering, the alert scan), the tab's read models and the forecast all read `engine.now()`.
 */
import type restify from 'restify';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { Directory } from './directory/directory.js';
import { Engine } from './engine/engine.js';
import { HealthState } from './http/health.js';
import { createHttpServer } from './http/server.js';
import type { Logger } from './logger.js';
import type { MailTransport } from './mail/mail-transport.js';
import { outboundCallProbe } from './observability/outbound-health.js';
import { startTabService, type TabService } from './tab/tab-service.js';
import { startTeamsService, type TeamsService } from './teams/teams-service.js';

export interface ServiceOptions {
  config: Config;
  logger: Logger;
  database: Database;
  /** The engine's and the bot's directory (main.ts: a SwitchableDirectory, for /dev's demo people). */
  directory: Directory;
  mailTransport: MailTransport;
  /** The service's clock; default the real time. */
  clock?: () => Date;
  /** Keep the `alerts.scan` timer (default true); see TeamsServiceOptions.alertTimer. */
  alertTimer?: boolean;
}

export interface Service {
  server: restify.Server;
  engine: Engine;
  health: HealthState;
  teams: TeamsService;
  tab: TabService;
}

/** Builds the service's parts; the caller listens (`listen` of http/server.ts) and stops them. */
export async function assembleService(options: ServiceOptions): Promise<Service> {
  const { config, logger, database, directory, mailTransport } = options;
  const engine = new Engine({
    database,
    directory,
    clock: options.clock,
    holdForecastMinutes: config.time.holdForecastMinutes,
  });
  const health = new HealthState(database);
  const server = createHttpServer({
    database,
    logger,
    health,
    about: { service: 'runsheet', mode: config.localMode ? 'local' : 'teams', database: database.kind },
  });
  const teams = startTeamsService({
    config,
    server,
    engine,
    directory,
    logger,
    mailTransport,
    alertTimer: options.alertTimer,
  });
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
  return { server, engine, health, teams, tab };
}
