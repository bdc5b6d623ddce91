/**
 * The few Graph calls Runsheet makes, over @microsoft/microsoft-graph-client with our own
 * middleware chain: authentication (MSAL), telemetry (`client-request-id`, SdkVersion), retries
 * and logging ({@link GraphRetryHandler}), then fetch. Failures come back as one typed error,
 * {@link GraphRequestError}, whatever layer they started in.
 */
import {
  AuthenticationHandler,
  Client,
  GraphError,
  HTTPMessageHandler,
  TelemetryHandler,
  type AuthenticationProvider,
} from '@microsoft/microsoft-graph-client';
import type { Logger } from '../logger.js';
import { GraphCallRecord, GraphRetryHandler, type GraphRetryPolicy } from './graph-retry.js';

/**
 * What went wrong, for the caller to act on:
 * - `not-found` (404): the group, user or mailbox does not exist (or the app may not see it);
 * - `throttled`, `unavailable`: still 429 or 5xx after the retries; try again later;
 * - `unreachable`: no answer (network, timeout) for a request that is safe to repeat;
 * - `outcome-unknown`: a request that is not safe to repeat (sendMail) got no definite answer;
 *   Graph may have acted on it;
 * - `token`: Entra ID gave no access token (wrong secret or certificate, no consent, network);
 * - `rejected`: any other answer (400, 401, 403, ...): the request is wrong or not allowed.
 */
export type GraphFailure =
  'not-found' | 'throttled' | 'unavailable' | 'unreachable' | 'outcome-unknown' | 'token' | 'rejected';

export class GraphRequestError extends Error {
  constructor(
    message: string,
    readonly code: GraphFailure,
    /** The last HTTP status; 0 when none was received. */
    readonly status: number,
    /** Graph's error code from the body (e.g. Request_ResourceNotFound, ErrorAccessDenied). */
    readonly graphCode: string | undefined,
    readonly requestId: string | null,
    readonly clientRequestId: string | null,
    readonly attempts: number,
    /** When Graph said when to come back and the call could not wait that long. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
    this.name = 'GraphRequestError';
  }
}

export interface GraphApiOptions {
  /** Graph's root with its version, e.g. https://graph.microsoft.com/v1.0. */
  baseUrl: string;
  authProvider: AuthenticationProvider;
  logger: Logger;
  retry?: GraphRetryPolicy;
}

/** A collection page as Graph returns it. */
export interface GraphPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

export class GraphApi {
  private readonly client: Client;
  readonly baseUrl: string;

  constructor(options: GraphApiOptions) {
    const base = new URL(options.baseUrl);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const chain = [
      new AuthenticationHandler(options.authProvider),
      new TelemetryHandler(),
      new GraphRetryHandler(options.logger, options.retry),
      new HTTPMessageHandler(),
    ];
    this.client = Client.initWithMiddleware({
      baseUrl: base.origin,
      defaultVersion: base.pathname.replace(/^\/+|\/+$/g, ''),
      middleware: chain,
      // The SDK sends the token only to hosts it knows as Graph; a national cloud's is named here.
      customHosts: new Set([base.hostname]),
    });
  }

  /** GET a path below the base URL (`/groups/...`) or a full URL Graph handed out (`@odata.nextLink`). */
  async get<T>(pathOrUrl: string, headers: Record<string, string> = {}): Promise<T> {
    const record = new GraphCallRecord();
    try {
      return (await this.client.api(pathOrUrl).headers(headers).middlewareOptions([record]).get()) as T;
    } catch (error) {
      throw graphRequestError('GET', pathOrUrl, error, record);
    }
  }

  /** Every item of a collection, following `@odata.nextLink`; `headers` go with every page. */
  async getAll<T>(path: string, headers: Record<string, string> = {}): Promise<T[]> {
    const items: T[] = [];
    for (let next: string | undefined = path; next !== undefined;) {
      const page: GraphPage<T> = await this.get<GraphPage<T>>(next, headers);
      items.push(...page.value);
      next = page['@odata.nextLink'];
    }
    return items;
  }

  /** POST a JSON body; returns Graph's `request-id` of the accepted request. */
  async post(path: string, body: unknown): Promise<{ requestId: string | null }> {
    const record = new GraphCallRecord();
    try {
      await this.client.api(path).middlewareOptions([record]).post(body);
      return { requestId: record.requestId };
    } catch (error) {
      throw graphRequestError('POST', path, error, record);
    }
  }
}

function graphRequestError(
  method: string,
  pathOrUrl: string,
  error: unknown,
  record: GraphCallRecord,
): GraphRequestError {
  const graphError = error instanceof GraphError ? error : undefined;
  // The SDK wraps an exception from a middleware (our token provider's) and keeps its name as `code`.
  const tokenFailure = graphError?.code === 'GraphTokenError';
  const graphCode = record.status > 0 ? (graphError?.code ?? undefined) : undefined;
  const code: GraphFailure = tokenFailure
    ? 'token'
    : record.outcomeUnknown
      ? 'outcome-unknown'
      : record.status === 0
        ? 'unreachable'
        : record.status === 404
          ? 'not-found'
          : record.status === 429
            ? 'throttled'
            : record.status >= 500
              ? 'unavailable'
              : 'rejected';
  const what =
    code === 'token'
      ? (graphError?.message ?? String(error))
      : record.status === 0
        ? (record.networkError ?? (error as Error).message)
        : [`HTTP ${record.status}`, graphCode, graphError?.message].filter(Boolean).join(' ');
  const ids = [
    record.requestId && `request-id ${record.requestId}`,
    record.clientRequestId && `client-request-id ${record.clientRequestId}`,
    `${record.attempts} attempt${record.attempts === 1 ? '' : 's'}`,
  ].filter(Boolean);
  const path = pathOrUrl.startsWith('https://') ? new URL(pathOrUrl).pathname : pathOrUrl.split('?')[0];
  const unknown = code === 'outcome-unknown' ? '; Graph may have acted on it' : '';
  return new GraphRequestError(
    `Graph ${method} ${path}: ${what}${unknown} (${ids.join(', ')})`,
    code,
    record.status,
    graphCode,
    record.requestId,
    record.clientRequestId,
    record.attempts,
    record.retryAfterMs,
  );
}
