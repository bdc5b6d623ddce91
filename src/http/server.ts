/**
 * The HTTP server (restify). Routes are registered by the modules that own them; this file only
 * builds the server and its cross-cutting parts (request logging, health). Later doors (the bot's
 * /api/messages, the tab, the dev channel) add their routes here.
 */
import restify from 'restify';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import { checkReadiness } from './health.js';

export interface HttpServerOptions {
  database: Database;
  logger: Logger;
  /** Extra facts shown by /healthz (version, mode). */
  about: Record<string, unknown>;
}

export function createHttpServer(options: HttpServerOptions): restify.Server {
  const server = restify.createServer({ name: 'runsheet', handleUncaughtExceptions: false });
  server.use(restify.plugins.queryParser());
  server.use(restify.plugins.bodyParser({ mapParams: false, maxBodySize: 1024 * 1024 }));

  server.on('after', (req: restify.Request, res: restify.Response) => {
    options.logger.info(
      {
        method: req.method,
        // Dialog links carry a credential in `token=`: never logged.
        url: req.url?.replace(/([?&]token=)[^&]*/g, '$1…'),
        status: res.statusCode,
        ms: Date.now() - (req.time?.() ?? Date.now()),
      },
      'request',
    );
  });

  server.get('/healthz', async (_req, res) => {
    res.json(200, { status: 'ok', ...options.about });
  });
  server.get('/readyz', async (_req, res) => {
    const readiness = await checkReadiness(options.database);
    res.json(readiness.ready ? 200 : 503, readiness);
  });
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
