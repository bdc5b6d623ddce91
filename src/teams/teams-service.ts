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
import { chooseMailTransport } from '../mail/choose-mail-transport.js';
import { createMailJobHandlers } from '../mail/mail-jobs.js';
import type { MailTransport } from '../mail/mail-transport.js';
import { createBotAdapter } from './bot-adapter.js';
import { createBotTokenProvider } from './bot-token.js';
import { createTeamsJobHandlers } from './card-jobs.js';
import { createAlertJobHandlers } from './alert-card-jobs.js';
import { ALERT_SCAN_KIND, createAlertScanHandler, scheduleAlertScan } from '../engine/alert-jobs.js';
import { createStepOpenHandler, STEP_OPEN_KIND } from '../engine/step-open-timer.js';
import { BotConnectorClient } from './connector/connector-client.js';
import { ConversationRateLimiter, shareOfLimits } from './connector/rate-limiter.js';
import { DevConnectorStore, mountDevConnector } from './dev-connector.js';
import { localBaseUrl, mountDevChannel } from './dev/dev-channel.js';
import { mountDevOutbox } from './dev/dev-outbox.js';
import { mountActivationDialog } from './dialog/activation-dialog.js';
import { DialogTokens, loadDialogKey } from './dialog/dialog-token.js';
import { RunsheetBot } from './runsheet-bot.js';

export interface TeamsService {
  worker: JobWorker;
  /** Local mode only: what the bot sent to the built-in connector. */
  devConnector: DevConnectorStore | null;
  /** Stops the worker: waits for its jobs, at most `graceMs`, then releases the rest (see JobWorker.stop). */
  stop(options?: { graceMs?: number }): Promise<{ released: number }>;
}

export interface TeamsServiceOptions {
  config: Config;
  server: restify.Server;
  engine: Engine;
  /** The engine's directory; a SwitchableDirectory lets local mode's /dev load the demo people. */
  directory: Directory;
  logger: Logger;
  /** Default: the engine's clock, so the whole service keeps one time. */
  clock?: () => Date;
  /** Start the polling worker (tests drive it with runOnce instead). Default true. */
  startWorker?: boolean;
  /**
   * Keep one `alerts.scan` pending when the worker starts (default true). A simulated rehearsal
   * turns it off: it runs the scan itself at each tick of its clock.
   */
  alertTimer?: boolean;
  /** Where mail goes; default: chooseMailTransport without Graph (the local outbox). */
  mailTransport?: MailTransport;
}

export function startTeamsService(options: TeamsServiceOptions): TeamsService {
  const { config, server, engine, directory, logger } = options;
  const clock = options.clock ?? (() => engine.now());
  const { adapter, credentials } = createBotAdapter(config, logger);
  const tokens = new DialogTokens(() => loadDialogKey(engine.database.db, config.dialogSecret), clock);
  const publicBaseUrl = () =>
    config.publicHostname
      ? `https://${config.publicHostname}`
      : config.localMode
        ? localBaseUrl(server)
        : null;
  const bot = new RunsheetBot({
    engine,
    directory,
    logger,
    clock,
    activation: { tokens, publicBaseUrl },
    actionableOriginator: config.mail.actionableOriginator,
  });
  mountActivationDialog(server, {
    engine,
    tokens,
    logger,
    actionableOriginator: config.mail.actionableOriginator,
    localMode: config.localMode,
  });
  const mailTransport = options.mailTransport ?? chooseMailTransport({ config, logger, graph: null });

  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });

  let devConnector: DevConnectorStore | null = null;
  if (config.localMode) {
    devConnector = new DevConnectorStore(path.join(config.dataDir, 'dev-connector.json'));
    mountDevConnector(server, devConnector);
    mountDevChannel(server, { config, engine, directory, store: devConnector, logger });
    mountDevOutbox(server, { dataDir: config.dataDir, logger });
  }

  const workerId = `${os.hostname()}:${process.pid}`;
  const connector = new BotConnectorClient({
    getToken: createBotTokenProvider(config, credentials),
    // Each instance keeps its share of Teams' limits, so that all of them together stay within them.
    limiter: new ConversationRateLimiter(shareOfLimits(config.instances)),
    logger,
  });
  const jobDeps = { engine, connector, logger, clock, workerId };
  const teamsJobs = createTeamsJobHandlers(jobDeps);
  const mailHandlers = createMailJobHandlers({
    engine,
    transport: mailTransport,
    logger,
    clock,
    from: config.mail.from,
    actionableOriginator: config.mail.actionableOriginator,
    batchSeconds: config.mail.batchSeconds,
  });
  const worker = new JobWorker({
    database: engine.database,
    workerId,
    handlers: {
      ...teamsJobs.handlers,
      ...mailHandlers,
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
    batchHandlers: teamsJobs.batchHandlers,
    logger,
    clock,
  });
  if (options.startWorker ?? true) worker.start();
  if ((options.startWorker ?? true) && (options.alertTimer ?? true)) {
    // The alert timer lives in the job table (docs/time.md): make sure one scan is pending.
    scheduleAlertScan(engine.database, clock()).catch((err: unknown) =>
      logger.error({ err }, 'could not schedule the alert scan'),
    );
  }
  return { worker, devConnector, stop: (stopOptions) => worker.stop(stopOptions) };
}
