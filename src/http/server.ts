/**
 * The HTTP server (restify). Routes are registered by the modules that own them; this file only
 * builds the server and its cross-cutting parts (request logging, health). Later doors (the bot's
 * /api/messages, the tab, the dev channel) add their routes here.
 */
import restify from 'restify';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import { mountMetrics } from '../observability/metrics-route.js';
import { logRequests } from '../observability/request-log.js';
import { HealthState } from './health.js';

export interface HttpServerOptions {
  database: Database;
  logger: Logger;
  /** Extra facts shown by /healthz (version, mode). */
  about: Record<string, unknown>;
  /** What /readyz reports; the service passes its own to add probes and to drain at shutdown. */
  health?: HealthState;
}

export function createHttpServer(options: HttpServerOptions): restify.Server {
  const server = restify.createServer({ name: 'runsheet', handleUncaughtExceptions: false });
  server.use(restify.plugins.queryParser());
  server.use(restify.plugins.bodyParser({ mapParams: false, maxBodySize: 1024 * 1024 }));

  logRequests(server, options.logger);
  const health = options.health ?? new HealthState(options.database);

  server.get('/healthz', async (_req, res) => {
    res.json(200, { status: 'ok', ...options.about });
  });
  server.get('/readyz', async (_req, res) => {
    const readiness = await health.check();
    res.json(readiness.ready ? 200 : 503, readiness);
  });
  mountMetrics(server, options.database);
  return server;
}

/** Starts listening; resolves once bound. */
export function listen(server: restify.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
}
