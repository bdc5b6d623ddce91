/**
 * Mounts the bot on the HTTP server and starts the job worker that sends cards and notices.
 * Everything Teams-specific is reached from here; the rest of the service knows none of it.
 */
import os from 'node:os';
import path from 'node:path';
import type restify from 'restify';
import type { Config } from '../config.js';
import type { Directory } from '../directory/directory.js';
import type { Engine } from '../engine/engine.js';
import { JobWorker } from '../jobs/worker.js';
import type { Logger } from '../logger.js';
import { createBotAdapter } from './bot-adapter.js';
import { createBotTokenProvider } from './bot-token.js';
import { createTeamsJobHandlers } from './card-jobs.js';
import { createAlertJobHandlers } from './alert-card-jobs.js';
import { ALERT_SCAN_KIND, createAlertScanHandler, scheduleAlertScan } from '../engine/alert-jobs.js';
import { createStepOpenHandler, STEP_OPEN_KIND } from '../engine/step-open-timer.js';
import { BotConnectorClient } from './connector/connector-client.js';
import { ConversationRateLimiter } from './connector/rate-limiter.js';
import { DevConnectorStore, mountDevConnector } from './dev-connector.js';
import { mountDevChannel } from './dev/dev-channel.js';
import { RunsheetBot } from './runsheet-bot.js';

export interface TeamsService {
  worker: JobWorker;
  /** Local mode only: what the bot sent to the built-in connector. */
  devConnector: DevConnectorStore | null;
  stop(): Promise<void>;
}

export interface TeamsServiceOptions {
  config: Config;
  server: restify.Server;
  engine: Engine;
  /** The engine's directory; a SwitchableDirectory lets local mode's /dev load the demo people. */
  directory: Directory;
  logger: Logger;
  clock?: () => Date;
  /** Start the polling worker (tests drive it with runOnce instead). Default true. */
  startWorker?: boolean;
}

export function startTeamsService(options: TeamsServiceOptions): TeamsService {
  const { config, server, engine, directory, logger } = options;
  const clock = options.clock ?? (() => new Date());
  const { adapter, credentials } = createBotAdapter(config, logger);
  const bot = new RunsheetBot({ engine, directory, logger, clock });

  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });

  let devConnector: DevConnectorStore | null = null;
  if (config.localMode) {
    devConnector = new DevConnectorStore(path.join(config.dataDir, 'dev-connector.json'));
    mountDevConnector(server, devConnector);
    mountDevChannel(server, { config, engine, directory, store: devConnector, logger });
  }

  const workerId = `${os.hostname()}:${process.pid}`;
  const connector = new BotConnectorClient({
    getToken: createBotTokenProvider(config, credentials),
    limiter: new ConversationRateLimiter(),
    logger,
  });
  const jobDeps = { engine, connector, logger, clock, workerId };
  const teamsHandlers = createTeamsJobHandlers(jobDeps);
  const worker = new JobWorker({
    database: engine.database,
    workerId,
    handlers: {
      ...teamsHandlers.handlers,
      ...createAlertJobHandlers(jobDeps),
      [STEP_OPEN_KIND]: createStepOpenHandler(engine, clock),
      [ALERT_SCAN_KIND]: createAlertScanHandler({
        engine,
        settings: config.time,
        intervalSeconds: config.time.alertScanSeconds,
        clock,
        logger,
      }),
    },
    batchHandlers: teamsHandlers.batchHandlers,
    logger,
    clock,
  });
  if (options.startWorker ?? true) {
    worker.start();
    // The alert timer lives in the job table (docs/time.md): make sure one scan is pending.
    scheduleAlertScan(engine.database, clock()).catch((err: unknown) =>
      logger.error({ err }, 'could not schedule the alert scan'),
    );
  }
  return { worker, devConnector, stop: () => worker.stop() };
}
