/**
 * `npm run simulate -- --serve`: the service (src/service.ts, as `npm start` assembles it) in the
 * simulation's process, on the simulation's clock, so that a person watches the rehearsal play in
 * the tab and the dev channel: alerts arriving, the forecast end moving, the critical path changing.
 *
 * - Local mode only (no MicrosoftAppId), bound to 127.0.0.1: the tab's user picker and /dev work
 *   without credentials, as with `npm start`.
 * - One clock: the engine, the bot, the job worker (cards, alert cards, fixed starts), the tab's
 *   read models, the forecast and the live events all read the `SimulationClock`. The service's own
 *   alert timer is off: the simulation scans at each of its ticks, as the `alerts.scan` job would.
 * - The dev channels (the pilots' channel and one per team) are created through the bot, as /dev's
 *   "Load the demo" does, so the step cards and the pilots' alert cards land in /dev.
 */
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.js';
import type { Database } from '../src/db/client.js';
import { loadJsonDirectory } from '../src/directory/local-json-directory.js';
import { SwitchableDirectory } from '../src/directory/switchable-directory.js';
import type { Engine } from '../src/engine/engine.js';
import { listen } from '../src/http/server.js';
import { createLogger } from '../src/logger.js';
import { chooseMailTransport } from '../src/mail/choose-mail-transport.js';
import { seedEmailTemplates } from '../src/mail/template-store.js';
import { assembleService } from '../src/service.js';
import { DEV_CONNECTOR_PATH } from '../src/teams/dev-connector.js';
import { setUpDemo } from '../src/teams/dev/dev-demo.js';
import { SimulationClock } from './simulate-rehearsal.js';

export interface SimulationServiceOptions {
  /** Migrated, holding the plan to play (the dev channels are created for its teams). */
  database: Database;
  /** The directory file (the sample directory): who is a pilot, who is in which team. */
  directoryFile: string;
  /** Where the clock starts (simulationStart); the simulation moves it. */
  start: Date;
  /** 0: any free port. */
  port: number;
  /** Where the dev channel keeps its posts and the outbox its mails. */
  dataDir: string;
  /** The service's environment (RUNSHEET_ALERT_*, LOG_LEVEL…); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface SimulationService {
  /** `http://127.0.0.1:<port>` */
  base: string;
  engine: Engine;
  clock: SimulationClock;
  directory: SwitchableDirectory;
  stop(): Promise<void>;
}

/** Starts the service on a simulation clock; see the file comment. */
export async function startSimulationService(options: SimulationServiceOptions): Promise<SimulationService> {
  const env = options.env ?? process.env;
  const config = loadConfig({
    ...env,
    LOG_LEVEL: env.LOG_LEVEL ?? 'warn',
    HOST: '127.0.0.1',
    RUNSHEET_DATA_DIR: options.dataDir,
    RUNSHEET_DIRECTORY: options.directoryFile,
  });
  if (!config.localMode)
    throw new Error(
      '--serve runs the service in local mode only: unset MicrosoftAppId (nothing of a simulation may reach Teams)',
    );
  const logger = createLogger(config.logLevel);
  const { database } = options;
  await seedEmailTemplates(database.db);
  const clock = new SimulationClock(options.start);
  const directory = new SwitchableDirectory(loadJsonDirectory(options.directoryFile));
  const { server, engine, teams, tab } = await assembleService({
    config,
    logger,
    database,
    directory,
    mailTransport: chooseMailTransport({ config, logger, graph: null }),
    clock: clock.now,
    alertTimer: false,
  });
  await listen(server, options.port, config.host);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await setUpDemo({
    engine,
    directory,
    store: teams.devConnector!,
    logger,
    directoryFile: config.directoryFile,
    dataDir: config.dataDir,
    selfUrl: base,
    serviceUrl: `${base}${DEV_CONNECTOR_PATH}`,
  });
  return {
    base,
    engine,
    clock,
    directory,
    async stop() {
      await tab.stop();
      await teams.stop({ graceMs: 5_000 });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
