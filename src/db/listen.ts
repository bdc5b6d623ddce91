/**
 * LISTEN on a PostgreSQL notification channel, on either database. PostgreSQL: a dedicated `pg`
 * client outside the pool (a pooled connection would be handed to queries and lose its LISTEN),
 * reconnected with backoff after a drop. PGlite: its own `listen` API (one process, so nothing to
 * reconnect). Notifications sent while a PostgreSQL listener was disconnected are lost, so
 * `onReconnect` tells the caller to catch up from its table.
 */
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export interface ListenHandlers {
  onNotify(payload: string): void;
  /** Called after a lost connection is back and listening again (not at the first connect). */
  onReconnect?(): void;
  onError?(error: unknown): void;
}

/** Stops listening. */
export type Unlisten = () => Promise<void>;

export async function listenPglite(
  client: PGlite,
  channel: string,
  handlers: ListenHandlers,
): Promise<Unlisten> {
  const unlisten = await client.listen(channel, (payload) => handlers.onNotify(payload));
  return () => unlisten();
}

export async function listenPostgres(
  connectionString: string,
  channel: string,
  handlers: ListenHandlers,
): Promise<Unlisten> {
  let stopped = false;
  let client: pg.Client | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString });
    next.on('notification', (message) => {
      if (message.channel === channel) handlers.onNotify(message.payload ?? '');
    });
    next.on('error', (error) => {
      handlers.onError?.(error);
      lost(next);
    });
    next.on('end', () => lost(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      next.end().catch(() => undefined);
      throw error;
    }
    if (stopped) await next.end().catch(() => undefined);
    else client = next;
  };

  const reconnect = async () => {
    for (let attempt = 0; !stopped; attempt++) {
      const delay = Math.min(250 * 2 ** attempt, 10_000);
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      if (stopped) return;
      try {
        await connect();
        handlers.onReconnect?.();
        return;
      } catch (error) {
        handlers.onError?.(error);
      }
    }
  };

  // A connection that errors or ends is replaced once (its 'error' and 'end' both arrive here).
  const lost = (which: pg.Client) => {
    if (stopped || which !== client) return;
    client = undefined;
    which.end().catch(() => undefined);
    void reconnect();
  };

  await connect();
  return async () => {
    stopped = true;
    const last = client;
    client = undefined;
    await last?.end().catch(() => undefined);
  };
}
