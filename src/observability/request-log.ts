/**
 * One log line and one latency observation per HTTP request. The line carries the request id
 * (restify's, or the caller's `request-id` / `x-request-id` header) and, for the bot's
 * `/api/messages`, the activity's id, type and conversation: the ids that tie a click in Teams to
 * the audit event and the jobs it caused. Query values that can carry secrets are redacted.
 */
import type restify from 'restify';
import type { Logger } from '../logger.js';
import { recordHttpRequest } from './metrics.js';

/** Successful probes and scrapes come every few seconds; they are logged at debug, failures at info. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** Query parameters whose values are never logged. */
const SECRET_PARAMETER = /token|secret|password|code|key|sig|assertion/i;

/** `url` with the values of secret-looking query parameters replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return url;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  for (const name of [...params.keys()]) if (SECRET_PARAMETER.test(name)) params.set(name, '[redacted]');
  return `${url.slice(0, queryStart)}?${params.toString()}`;
}

/** The activity fields worth logging, when the body is a Bot Framework activity. */
function activityFields(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) return {};
  const activity = body as { id?: unknown; type?: unknown; name?: unknown; conversation?: { id?: unknown } };
  return {
    activityId: activity.id,
    activityType:
      activity.name === undefined ? activity.type : `${String(activity.type)}/${String(activity.name)}`,
    conversationId: activity.conversation?.id,
  };
}

export function logRequests(server: restify.Server, logger: Logger): void {
  server.on('after', (req: restify.Request, res: restify.Response) => {
    const route = req.getRoute?.()?.path?.toString() ?? 'unmatched';
    const seconds = (Date.now() - (req.time?.() ?? Date.now())) / 1000;
    const status = res.statusCode;
    recordHttpRequest(req.method ?? 'GET', route, status, seconds);
    const line = {
      reqId: req.getId?.(),
      method: req.method,
      route,
      url: redactUrl(req.url ?? ''),
      status,
      ms: Math.round(seconds * 1000),
      ...(route === '/api/messages' ? activityFields(req.body) : {}),
    };
    if (QUIET_ROUTES.has(route) && status < 400) logger.debug(line, 'request');
    else logger.info(line, 'request');
  });
}
