/**
 * The Graph client's retry and logging middleware. Every Graph call Runsheet makes passes through
 * it, once per HTTP attempt.
 *
 * Retry policy:
 * - 429 (throttled), 503 (unavailable) and 504 (gateway timeout) are retried. The wait is Graph's
 *   `Retry-After` (seconds, or an HTTP date) when it sends one, and otherwise an exponential backoff
 *   with jitter (about 1 s, 2 s, 4 s, capped at 8 s), as Microsoft's throttling guidance asks.
 * - At most `maxAttempts` HTTP requests per call, and waits within `retryBudgetMs`: a mail job holds
 *   its lock for 60 s, and a call that outlived it could be sent twice by two workers. When Graph
 *   asks for a longer wait than is left, the call stops and reports `retryAfterMs` instead.
 * - Only requests that are safe to repeat (GET) are retried after a network error, a timeout or a
 *   504: Graph may have done the work before the answer was lost. A POST (sendMail) is retried
 *   only after 429 or 503, which mean Graph refused the request without acting on it; after an
 *   ambiguous failure the call ends with `outcomeUnknown`, and the caller decides (see
 *   graph-mail-transport.ts).
 * - Other statuses (400, 401, 403, 404, 500, ...) are returned at once: repeating cannot help.
 *
 * Each attempt is logged with Graph's `request-id` and the `client-request-id` we sent, the two
 * ids Microsoft support asks for. Headers, query strings and bodies are not logged.
 */
import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import type { Logger } from '../logger.js';
import { recordOutboundCall, recordOutboundRetry } from '../observability/metrics.js';
import { describeNetworkError, parseRetryAfterMs } from '../teams/connector/connector-client.js';

export interface GraphRetryPolicy {
  /** HTTP requests per call at most. Default 4. */
  maxAttempts?: number;
  /** Time a call may spend waiting between attempts. Default 40 s. */
  retryBudgetMs?: number;
  /** Per-attempt timeout, reading the body included. Default 30 s. */
  timeoutMs?: number;
  /** Waits; tests inject an instant one. Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
  /** Milliseconds clock for the budget. Default performance.now. */
  now?: () => number;
}

/**
 * What happened to one call, filled in by the middleware. Passed with the request as a middleware
 * option, read back by {@link GraphApi} for its result or its error.
 */
export class GraphCallRecord implements MiddlewareOptions {
  attempts = 0;
  /** The last HTTP status; 0 while none was received. */
  status = 0;
  /** Graph's `request-id` of the last response. */
  requestId: string | null = null;
  /** The `client-request-id` sent (the same on every attempt of a call). */
  clientRequestId: string | null = null;
  /** Set when the call stopped although Graph said when to try again: that many ms from then. */
  retryAfterMs: number | undefined;
  /** A request that is not safe to repeat failed without a definite answer (network, timeout, 504). */
  outcomeUnknown = false;
  /** Why the last attempt failed, when it did without an HTTP answer. */
  networkError: string | undefined;
}

const RETRIED_STATUSES = new Set([429, 503, 504]);
/** Statuses after which Graph has certainly not acted on the request. */
const REFUSED_STATUSES = new Set([429, 503]);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class GraphRetryHandler implements Middleware {
  private next: Middleware | undefined;
  private readonly maxAttempts: number;
  private readonly retryBudgetMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    private readonly logger: Logger,
    policy: GraphRetryPolicy = {},
  ) {
    this.maxAttempts = Math.max(1, policy.maxAttempts ?? 4);
    this.retryBudgetMs = policy.retryBudgetMs ?? 40_000;
    this.timeoutMs = policy.timeoutMs ?? 30_000;
    this.sleep = policy.sleep ?? realSleep;
    this.random = policy.random ?? Math.random;
    this.now = policy.now ?? (() => performance.now());
  }

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    if (!this.next) throw new Error('GraphRetryHandler needs a next middleware');
    const record =
      (context.middlewareControl?.getMiddlewareOptions(GraphCallRecord) as GraphCallRecord | undefined) ??
      new GraphCallRecord();
    const options = (context.options ??= {});
    const method = (options.method ?? 'GET').toUpperCase();
    const safe = SAFE_METHODS.has(method);
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const path = new URL(url).pathname;
    record.clientRequestId = headerOf(options.headers, 'client-request-id');
    const startedAt = this.now();

    for (;;) {
      record.attempts += 1;
      const attemptStartedAt = this.now();
      options.signal = AbortSignal.timeout(this.timeoutMs);
      context.response = undefined;
      let waitMs: number | undefined;
      try {
        await this.next.execute(context);
      } catch (error) {
        record.status = 0;
        record.requestId = null;
        record.networkError = describeNetworkError(error, this.timeoutMs);
        recordOutboundCall('graph', 'error', (this.now() - attemptStartedAt) / 1000);
        this.logger.warn(
          {
            method,
            path,
            attempt: record.attempts,
            clientRequestId: record.clientRequestId,
            error: record.networkError,
          },
          'graph call failed without an answer',
        );
        if (!safe && !neverConnected(error)) {
          record.outcomeUnknown = true;
          throw error;
        }
        if (record.attempts >= this.maxAttempts) throw error;
        waitMs = this.backoffMs(record.attempts);
        if (this.now() - startedAt + waitMs > this.retryBudgetMs) throw error;
        recordOutboundRetry('graph');
        await this.sleep(waitMs);
        continue;
      }
      const response = context.response as Response | undefined;
      if (!response) return;
      record.status = response.status;
      record.networkError = undefined;
      record.requestId = response.headers.get('request-id');
      recordOutboundCall('graph', response.status, (this.now() - attemptStartedAt) / 1000);
      const fields = {
        method,
        path,
        status: response.status,
        requestId: record.requestId,
        clientRequestId: record.clientRequestId,
        attempt: record.attempts,
        ms: Math.round(this.now() - attemptStartedAt),
      };
      const retryable =
        RETRIED_STATUSES.has(response.status) && (safe || REFUSED_STATUSES.has(response.status));
      if (!retryable) {
        if (!safe && response.status === 504) record.outcomeUnknown = true;
        if (response.ok) this.logger[safe ? 'debug' : 'info'](fields, 'graph call');
        else this.logger.warn(fields, 'graph call failed');
        return;
      }
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
      waitMs = retryAfterMs ?? this.backoffMs(record.attempts);
      const overBudget = this.now() - startedAt + waitMs > this.retryBudgetMs;
      if (record.attempts >= this.maxAttempts || overBudget) {
        record.retryAfterMs = retryAfterMs;
        this.logger.warn(
          { ...fields, retryAfterMs, why: overBudget ? 'wait exceeds the retry budget' : 'attempts used up' },
          'graph call failed, giving up',
        );
        return;
      }
      this.logger.warn({ ...fields, waitMs }, 'graph call throttled or unavailable, retrying');
      recordOutboundRetry('graph');
      // The refused answer's body is not needed; release the connection before waiting.
      await response.body?.cancel().catch(() => undefined);
      await this.sleep(waitMs);
    }
  }

  /** Exponential backoff with jitter when Graph says nothing about when to come back. */
  private backoffMs(failedAttempts: number): number {
    const ceiling = Math.min(8_000, 1_000 * 2 ** (failedAttempts - 1));
    return Math.round(ceiling * (0.5 + this.random() / 2));
  }
}

function headerOf(headers: RequestInit['headers'], name: string): string | null {
  if (!headers) return null;
  if (headers instanceof Headers) return headers.get(name);
  if (Array.isArray(headers)) return headers.find(([key]) => key.toLowerCase() === name)?.[1] ?? null;
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return entry ? String(entry[1]) : null;
}

/** Failures before a connection was made: the request never left, so repeating it is safe. */
function neverConnected(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  return ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(cause?.code ?? '');
}
