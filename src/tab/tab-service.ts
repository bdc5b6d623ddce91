/**
 * Mounts the Teams tab on the HTTP server: its pages (tab-static.ts), its authenticated API
 * (tab-routes.ts, the seam other modules add routes through), live updates over Server-Sent Events
 * (live-events.ts), and in local mode the user picker's list of people. Call once from main.ts.
 */
import type restify from 'restify';
import type { Config } from '../config.js';
import { roleOf, type Directory } from '../directory/directory.js';
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../logger.js';
import { createTabAuthenticator } from './tab-auth.js';
import { mountTabApi, type TabRouter } from './tab-routes.js';
import { mountTabStatic } from './tab-static.js';
import { LiveEventHub, mountLiveEvents } from './live-events.js';

export interface TabServiceOptions {
  config: Pick<Config, 'localMode' | 'tabSso'>;
  server: restify.Server;
  engine: Engine;
  directory: Directory;
  logger: Logger;
  /** Default: the engine's clock, so the whole service keeps one time. */
  clock?: () => Date;
  /** Extra route modules (tests); the service's own are listed in tab-routes.ts. */
  extraRoutes?: readonly ((router: TabRouter) => void)[];
}

export interface TabService {
  hub: LiveEventHub;
  stop(): Promise<void>;
}

/** Mounts the tab and starts listening for changes; `stop` closes the live streams and the listener. */
export async function startTabService(options: TabServiceOptions): Promise<TabService> {
  const { config, server, engine, directory, logger } = options;
  const authenticate = createTabAuthenticator({ localMode: config.localMode, sso: config.tabSso, directory });
  if (!config.localMode && !(config.tabSso.clientId && config.tabSso.tenantId)) {
    logger.warn(
      'tab: single sign-on is not configured (RUNSHEET_TAB_CLIENT_ID, RUNSHEET_TAB_TENANT_ID): the tab API refuses everyone',
    );
  }
  mountTabStatic(server);
  mountTabApi(
    server,
    { authenticate, engine, logger, clock: options.clock ?? (() => engine.now()) },
    options.extraRoutes,
  );
  const hub = new LiveEventHub(engine.database, logger);
  await hub.start();
  mountLiveEvents(server, { hub, authenticate, database: engine.database, logger });

  server.get('/tab/session', async (_req, res) => {
    // Not under /tab/api, and unauthenticated on purpose: what the page needs before it can identify anyone.
    res.json(200, {
      localMode: config.localMode,
      sso: Boolean(config.tabSso.clientId && config.tabSso.tenantId),
    });
  });
  if (config.localMode) {
    // Local mode only (bound to 127.0.0.1 by default): the people the user picker offers, as /dev lists them.
    server.get('/tab/local/users', async (_req, res) => {
      res.json(200, {
        source: directory.source,
        users: directory.allUsers().map((user) => ({
          name: user.name,
          email: user.email,
          role: roleOf(user),
          teams: user.teams,
        })),
      });
    });
  }
  return { hub, stop: () => hub.stop() };
}
