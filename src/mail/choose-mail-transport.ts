/**
 * Which MailTransport the service sends through: Microsoft Graph `sendMail` when Graph is
 * configured, otherwise the local outbox (`.eml` files in RUNSHEET_DATA_DIR/outbox).
 *
 * The seam for Graph: main.ts passes the Graph transport (src/graph, built from the Graph
 * settings) as `graph`, or null when Graph is not configured.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { LocalOutboxTransport, outboxFolder } from './local-outbox-transport.js';
import type { MailTransport } from './mail-transport.js';

export function chooseMailTransport(options: {
  config: Config;
  logger: Logger;
  graph: MailTransport | null;
}): MailTransport {
  const { config, logger, graph } = options;
  if (graph) return graph;
  const folder = outboxFolder(config.dataDir);
  if (config.localMode) {
    logger.info({ outbox: folder }, 'mail goes to the local outbox (open /dev to read it)');
  } else {
    logger.warn(
      { outbox: folder },
      'Microsoft Graph mail is not configured: mails are written to the local outbox, and nobody receives them',
    );
  }
  return new LocalOutboxTransport(folder);
}
