/**
 * The tab's API seam: how a module adds routes under /tab/api, every one behind authentication.
 *
 * To add routes from a module:
 *   1. export `function registerPlannerRoutes(router: TabRouter): void` from your file, calling
 *      `router.get('/planner', async (req, res, ctx) => { res.json(200, await ...); })`;
 *   2. add it to TAB_ROUTE_MODULES below (one line).
 * - Paths are relative to /tab/api and use restify parameters (`/steps/:id` → `req.params.id`);
 *   the query string is parsed into `req.query`.
 * - A handler gets `ctx.user` (a TabUser, already authenticated: no handler runs without one),
 *   `ctx.engine`, `ctx.logger` and `ctx.now()`.
 * - Writes (post, put, del) must send `content-type: application/json` (checked here, 415 otherwise)
 *   and go through `ctx.engine.execute({ ..., source: 'tab', actor: actorOf(ctx.user) })` or an
 *   engine function in the same one-transaction, audited style.
 * - Throw `TabHttpError(status, message)` for a 4xx answer; a read model's NotFoundError becomes a
 *   404; anything else is logged and answered 500. Errors are `{ error: message }`.
 * - Live updates need nothing per route: every audit event reaches open tabs over SSE
 *   (`/tab/api/events`, see live-events.ts) and the page's views re-read what they show.
 *
 * Front-end views are ES modules at src/tab/public/views/<view>.js exporting
 * `mountView(container, tab)`; public/app.js documents `tab` (api, user, iteration, onChange).
 */
import type restify from 'restify';
import type { Engine } from '../engine/engine.js';
import { NotFoundError } from '../engine/read-models.js';
import type { Logger } from '../logger.js';
import { registerBoardRoutes } from './board-routes.js';
import { registerPlannerRoutes } from './planner-routes.js';
import { registerReportRoutes } from './report-routes.js';
import { LOCAL_USER_HEADER, type TabAuthenticator } from './tab-auth.js';
import type { TabUser } from './tab-user.js';

/** Every module that adds /tab/api routes. Add yours here. */
const TAB_ROUTE_MODULES: readonly ((router: TabRouter) => void)[] = [
  registerBoardRoutes,
  registerPlannerRoutes,
  registerReportRoutes,
];

export interface TabRouteContext {
  user: TabUser;
  engine: Engine;
  logger: Logger;
  now: () => Date;
}

export type TabHandler = (req: restify.Request, res: restify.Response, ctx: TabRouteContext) => Promise<void>;

export interface TabRouter {
  get(path: string, handler: TabHandler): void;
  post(path: string, handler: TabHandler): void;
  put(path: string, handler: TabHandler): void;
  del(path: string, handler: TabHandler): void;
}

/** A refusal with an HTTP status, answered as `{ error: message }`. */
export class TabHttpError extends Error {
  override readonly name = 'TabHttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface TabApiOptions {
  authenticate: TabAuthenticator;
  engine: Engine;
  logger: Logger;
  clock?: () => Date;
}

/** Answers 401 `{ error: 'unauthorized', code, reason }` unless the request carries a valid identity. */
export async function authenticateRequest(
  req: restify.Request,
  res: restify.Response,
  authenticate: TabAuthenticator,
): Promise<TabUser | undefined> {
  const result = await authenticate({
    authorization: req.header('authorization') || undefined,
    localUser: req.header(LOCAL_USER_HEADER) || undefined,
  });
  if (result.ok) return result.user;
  res.json(401, { error: 'unauthorized', code: result.code, reason: result.reason });
  return undefined;
}

/** Mounts every module's routes (TAB_ROUTE_MODULES, plus `extra`) under /tab/api. */
export function mountTabApi(
  server: restify.Server,
  options: TabApiOptions,
  extra: readonly ((router: TabRouter) => void)[] = [],
): void {
  const { authenticate, engine, logger } = options;
  const now = options.clock ?? (() => new Date());
  const wrap =
    (write: boolean, handler: TabHandler) => async (req: restify.Request, res: restify.Response) => {
      try {
        const user = await authenticateRequest(req, res, authenticate);
        if (!user) return;
        if (write && !/^application\/json\b/i.test(req.header('content-type') ?? '')) {
          res.json(415, { error: 'send an application/json request' });
          return;
        }
        await handler(req, res, { user, engine, logger, now });
      } catch (error) {
        if (error instanceof TabHttpError) res.json(error.status, { error: error.message });
        else if (error instanceof NotFoundError) res.json(404, { error: error.message });
        else {
          logger.error({ err: error, url: req.url }, 'tab API failed');
          if (!res.headersSent) res.json(500, { error: 'the server failed to answer; see its log' });
        }
      }
    };
  const at = (path: string) => `/tab/api${path.startsWith('/') ? path : `/${path}`}`;
  const router: TabRouter = {
    get: (path, handler) => void server.get(at(path), wrap(false, handler)),
    post: (path, handler) => void server.post(at(path), wrap(true, handler)),
    put: (path, handler) => void server.put(at(path), wrap(true, handler)),
    del: (path, handler) => void server.del(at(path), wrap(true, handler)),
  };
  for (const register of [...TAB_ROUTE_MODULES, ...extra]) register(router);
}
