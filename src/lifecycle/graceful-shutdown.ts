/**
 * Stopping the service on SIGTERM or SIGINT without losing or repeating work:
 * 1. /readyz answers 503 "draining", so load balancers and `podman healthcheck` stop routing here;
 * 2. the job worker claims nothing more and waits for the jobs it runs, at most the grace period,
 *    then releases the rest (pending again, attempt given back) for another instance or the restart;
 * 3. the HTTP server stops accepting connections and lets requests in progress finish (at most
 *    {@link HTTP_CLOSE_MS}, then cuts what is left), after the tab's event streams are closed;
 * 4. the database is closed, and the process exits 0.
 * A second signal exits at once with status 1.
 */
import type restify from 'restify';
import type { Database } from '../db/client.js';
import type { HealthState } from '../http/health.js';
import type { Logger } from '../logger.js';

/** How long requests in progress may take to finish once the server stops accepting new ones. */
const HTTP_CLOSE_MS = 5_000;

export interface ShutdownParts {
  logger: Logger;
  health: HealthState;
  server: restify.Server;
  /** Stops the job worker(s): waits for their jobs at most `graceMs`, then releases the rest. */
  stopWorkers(options: { graceMs: number }): Promise<{ released: number }>;
  /** Stops the other background parts (live event streams and their listener, directory refresh). */
  stopBackground(): Promise<void>;
  database: Database;
  /** How long in-flight jobs may take to finish. */
  graceMs: number;
}

/** Runs the shutdown sequence in the file comment; resolves once the database is closed. */
export async function shutDown(parts: ShutdownParts, signal: string): Promise<void> {
  const { logger, health, server, database, graceMs } = parts;
  const startedAt = Date.now();
  health.startDraining();
  logger.info({ signal, graceMs }, 'stopping: draining');
  const { released } = await parts.stopWorkers({ graceMs });
  logger.info({ released, ms: Date.now() - startedAt }, 'job worker stopped');
  // Open event streams would otherwise hold the server's close until they are cut.
  await parts.stopBackground();
  await closeServer(server);
  await database.close();
  logger.info({ ms: Date.now() - startedAt }, 'stopped');
}

function closeServer(server: restify.Server): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => server.server.closeAllConnections(), HTTP_CLOSE_MS);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    // Idle keep-alive connections would otherwise hold the close until they time out.
    server.server.closeIdleConnections();
  });
}

/** Shuts down on the first SIGTERM or SIGINT and exits; a second one exits at once. */
export function shutDownOnSignals(parts: ShutdownParts): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) {
      parts.logger.warn({ signal }, 'second signal: exiting without finishing the shutdown');
      process.exit(1);
    }
    stopping = true;
    shutDown(parts, signal).then(
      () => process.exit(0),
      (error: unknown) => {
        parts.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}
