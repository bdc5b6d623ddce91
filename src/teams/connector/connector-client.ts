/**
 * The Bot Connector REST calls the bot makes on its own (posting a step card, editing it in place),
 * with Teams' rate limits, retries and a classification of failures that tells the caller what to do
 * next: done, stop for good (bot removed, message gone), or try again later through the job queue.
 *
 * Retry policy, and why it is shaped this way:
 * - Every attempt first waits for its slot from the {@link ConversationRateLimiter}, so a burst of
 *   updates is spread out instead of being throttled by Teams. Just before sending it checks again
 *   (earlier sends may have left later than booked), and once answered the send is recorded at
 *   its answer time: Teams counts a request when it arrives, which a busy process or a slow
 *   connection makes later than the slot it was booked for.
 * - 429: Teams says how long to wait (Retry-After, in seconds or as an HTTP date; 1 s if absent). The
 *   whole conversation is paused in the limiter, so other calls to it wait too instead of each
 *   earning its own 429.
 * - 412, 5xx, network errors and timeouts are transient: retried after a short in-request
 *   backoff with jitter (about 0.25 s, 0.5 s, 1 s, 2 s, capped at 4 s), not the job queue's longer
 *   `backoffDelayMs`. A blip should cost a card update a second, not minutes; an outage that
 *   outlasts the few attempts here is handed back ('gave-up') and the job queue, which survives
 *   restarts, retries it on its own longer schedule.
 * - 403 (the bot was removed from the team or blocked, `MessageWritesBlocked`), 404 (the
 *   conversation or message is gone) and other 4xx are never retried: sending the same request
 *   again cannot succeed.
 * - The whole call, waits included, stays within `retryBudgetMs` (40 s by default) plus one request
 *   timeout. The caller is normally a job holding a 60 s lock; a call that outlived the lock would let
 *   another worker claim the job and send the same post twice. When the next wait would overrun the
 *   budget (Teams' hourly limit reached, a long Retry-After), the call returns 'gave-up' with
 *   `retryAfterMs` so the job can be rescheduled for then.
 *
 * A POST that timed out may still have been delivered, and Bot Connector has no idempotency key, so
 * a retried POST can occasionally produce a duplicate post. That is accepted: a missing step card
 * (no Start button) is worse than a duplicate one, and updates (PUT) are idempotent anyway.
 */
import type { Logger } from '../../logger.js';
import { recordOutboundCall, recordOutboundRetry } from '../../observability/metrics.js';
import type { ConversationRateLimiter } from './rate-limiter.js';

/** What became of a call. A failure's `kind` says what the caller should do about it. */
export type SendResult =
  | {
      ok: true;
      /** The activity id Teams assigned (POST), to update the message later; absent if Teams gave none. */
      id: string | undefined;
      attempts: number;
    }
  | {
      ok: false;
      /**
       * - `blocked` (403): the bot was removed from the conversation or blocked; stop sending there
       *   and tell the pilots.
       * - `not-found` (404): the conversation or the message to update no longer exists.
       * - `gave-up`: still failing after `maxAttempts` transient failures, or the next wait would
       *   overrun the retry budget; try again later (at `retryAfterMs` from now when given).
       * - `rejected`: any other 4xx; the request itself is wrong and will not succeed as is.
       */
      kind: 'blocked' | 'not-found' | 'gave-up' | 'rejected';
      /** The last HTTP status; 0 when no response came (network error, timeout, or no attempt made). */
      status: number;
      /** What went wrong, with Teams' error code when it sent one (e.g. `MessageWritesBlocked`). */
      error: string;
      /** HTTP requests made. */
      attempts: number;
      /** When Teams (or the rate limiter) says when to try again: that many milliseconds from now. */
      retryAfterMs?: number;
    };

export interface BotConnectorClientOptions {
  /**
   * A bearer token for calls to this service URL, or null in local mode (the built-in fake
   * connector), where no Authorization header is sent. Called before each attempt, so a token
   * provider that refreshes expiring tokens is honoured across long waits.
   */
  getToken: (serviceUrl: string) => Promise<string | null>;
  /** Shared by every caller in the process, so all sends count against the same limits. */
  limiter: ConversationRateLimiter;
  /** Per-request timeout. Default 15 s. */
  timeoutMs?: number;
  /** Waits; tests inject one that advances a fake clock. Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** HTTP requests per call at most. Default 5. */
  maxAttempts?: number;
  /** Time a call may spend waiting (rate-limit slots, Retry-After, backoff) before handing back. Default 40 s. */
  retryBudgetMs?: number;
  /** Jitter source, in [0, 1). Default `Math.random`. */
  random?: () => number;
  logger?: Logger;
}

/** Teams' statuses that mean "try the same request again later" (besides 429, which says when). */
const TRANSIENT_STATUSES = new Set([412, 500, 502, 503, 504]);
/** Without a usable Retry-After, a 429 pauses the conversation this long. */
const DEFAULT_RETRY_AFTER_MS = 1_000;
/** Bodies of failures are kept in errors (and so in the job table) only this long. */
const MAX_ERROR_LENGTH = 500;

/** One HTTP attempt's outcome, before classification. */
type AttemptOutcome =
  | { received: true; status: number; retryAfter: string | null; body: string }
  | { received: false; error: string };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Calls the Bot Connector REST API (`/v3/conversations/...`) on a conversation's service URL. */
export class BotConnectorClient {
  private readonly getToken: (serviceUrl: string) => Promise<string | null>;
  private readonly limiter: ConversationRateLimiter;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  private readonly retryBudgetMs: number;
  private readonly random: () => number;
  private readonly logger: Logger | undefined;

  constructor(options: BotConnectorClientOptions) {
    this.getToken = options.getToken;
    this.limiter = options.limiter;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.sleep = options.sleep ?? realSleep;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.retryBudgetMs = options.retryBudgetMs ?? 40_000;
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
  }

  /**
   * Posts an activity: a new post when `conversationId` is a channel, a reply in a thread when it
   * is `<channel>;messageid=<root id>`. Returns the new activity's id, to update it later. Send a
   * card alone in its activity: Teams may split text plus card into several messages, and then
   * return no id to update.
   */
  postActivity(serviceUrl: string, conversationId: string, activity: object): Promise<SendResult> {
    return this.call('POST', serviceUrl, conversationId, undefined, activity);
  }

  /** Replaces a message the bot posted earlier, in place. */
  updateActivity(
    serviceUrl: string,
    conversationId: string,
    activityId: string,
    activity: object,
  ): Promise<SendResult> {
    return this.call('PUT', serviceUrl, conversationId, activityId, activity);
  }

  private async call(
    method: 'POST' | 'PUT',
    serviceUrl: string,
    conversationId: string,
    activityId: string | undefined,
    activity: object,
  ): Promise<SendResult> {
    const url = activitiesUrl(serviceUrl, conversationId, activityId);
    const body = JSON.stringify(activity);
    const startedAt = this.limiter.now();
    /** The last HTTP status received, for the log; 0 while none. */
    let lastStatus = 0;
    const finish = (result: SendResult): SendResult => {
      // Deliberately no headers, URL query or body: nothing here can carry the bearer token.
      this.logger?.debug(
        {
          method,
          conversationId,
          status: lastStatus,
          outcome: result.ok ? 'ok' : result.kind,
          attempts: result.attempts,
          ms: Math.round(this.limiter.now() - startedAt),
        },
        'bot connector call',
      );
      return result;
    };

    let attempts = 0;
    let backoffMs = 0;
    let lastFailure: { status: number; error: string; retryAfterMs?: number } | undefined;
    const giveUp = (retryAfterMs: number | undefined, why: string | undefined): SendResult => {
      const result: SendResult = {
        ok: false,
        kind: 'gave-up',
        status: lastFailure?.status ?? 0,
        error: [lastFailure?.error, why].filter(Boolean).join('; '),
        attempts,
      };
      if (retryAfterMs !== undefined) result.retryAfterMs = Math.ceil(retryAfterMs);
      return finish(result);
    };
    const overBudget = (waitMs: number) => this.limiter.now() - startedAt + waitMs > this.retryBudgetMs;

    while (attempts < this.maxAttempts) {
      if (backoffMs > 0) {
        if (overBudget(backoffMs)) return giveUp(backoffMs, `retry budget of ${this.retryBudgetMs} ms spent`);
        await this.sleep(backoffMs);
      }
      // Check before booking: a slot booked but never used would hold up the next caller for nothing.
      const slotDelayMs = this.limiter.delayFor(conversationId);
      if (overBudget(slotDelayMs)) {
        return giveUp(
          slotDelayMs,
          `next send slot for the conversation is ${Math.ceil(slotDelayMs)} ms away`,
        );
      }
      let slot = this.limiter.book(conversationId);
      if (slot.waitMs > 0) await this.sleep(slot.waitMs);
      // The sends before this one may have left later than booked (a busy process, a slow
      // connection); Teams counts them from then, so look again before going.
      for (let extra = this.limiter.recheck(conversationId, slot.at); extra.waitMs > 0;) {
        if (overBudget(extra.waitMs)) {
          this.limiter.release(conversationId, extra.at);
          return giveUp(
            extra.waitMs,
            `next send slot for the conversation is ${Math.ceil(extra.waitMs)} ms away`,
          );
        }
        await this.sleep(extra.waitMs);
        slot = extra;
        extra = this.limiter.recheck(conversationId, slot.at);
      }

      if (attempts > 0) recordOutboundRetry('connector');
      attempts += 1;
      const sentAt = performance.now();
      const outcome = await this.attempt(method, url, serviceUrl, body);
      const status = outcome.received ? outcome.status : 'error';
      recordOutboundCall('connector', status, (performance.now() - sentAt) / 1000);
      // Teams had the request by the time its answer came: count the send from then.
      this.limiter.settle(conversationId, slot.at, this.limiter.now());
      backoffMs = 0;
      if (outcome.received) lastStatus = outcome.status;

      if (!outcome.received) {
        lastFailure = { status: 0, error: outcome.error };
        backoffMs = this.transientBackoffMs(attempts);
      } else if (outcome.status >= 200 && outcome.status < 300) {
        return finish({ ok: true, id: activityIdFrom(outcome.body), attempts });
      } else if (outcome.status === 429) {
        const retryAfterMs = parseRetryAfterMs(outcome.retryAfter) ?? DEFAULT_RETRY_AFTER_MS;
        // Pausing the conversation, not just this call, keeps its other queued calls from
        // walking into the same 429.
        this.limiter.pause(conversationId, this.limiter.now() + retryAfterMs);
        lastFailure = { status: 429, error: describeConnectorError(429, outcome.body), retryAfterMs };
      } else if (TRANSIENT_STATUSES.has(outcome.status) || outcome.status >= 500) {
        lastFailure = { status: outcome.status, error: describeConnectorError(outcome.status, outcome.body) };
        backoffMs = this.transientBackoffMs(attempts);
      } else {
        const kind = outcome.status === 403 ? 'blocked' : outcome.status === 404 ? 'not-found' : 'rejected';
        const error = describeConnectorError(outcome.status, outcome.body);
        return finish({ ok: false, kind, status: outcome.status, error, attempts });
      }
      if (attempts < this.maxAttempts) {
        this.logger?.debug(
          { method, conversationId, status: lastFailure.status, attempt: attempts, error: lastFailure.error },
          'bot connector call failed, retrying',
        );
      }
    }
    return giveUp(lastFailure?.retryAfterMs, `gave up after ${attempts} attempts`);
  }

  /** One HTTP request. Never throws: network failures and timeouts come back as outcomes. */
  private async attempt(
    method: 'POST' | 'PUT',
    url: string,
    serviceUrl: string,
    body: string,
  ): Promise<AttemptOutcome> {
    let token: string | null;
    try {
      token = await this.getToken(serviceUrl);
    } catch (error) {
      // Treated like a network error: the identity platform is usually only briefly unreachable.
      return { received: false, error: `could not get a token: ${errorMessage(error)}` };
    }
    try {
      const headers: Record<string, string> = {
        'content-type': 'application/json; charset=utf-8',
        accept: 'application/json',
      };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      const response = await fetch(url, {
        method,
        headers,
        body,
        // The timeout covers reading the body too: a response that stalls halfway is a timeout.
        signal: AbortSignal.timeout(this.timeoutMs),
        // Bot Connector does not redirect; following one would carry the bearer token elsewhere.
        redirect: 'manual',
      });
      return {
        received: true,
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: await response.text(),
      };
    } catch (error) {
      return { received: false, error: describeNetworkError(error, this.timeoutMs) };
    }
  }

  /** Short exponential backoff with jitter for transient failures inside one call. */
  private transientBackoffMs(failedAttempts: number): number {
    const ceiling = Math.min(4_000, 250 * 2 ** (failedAttempts - 1));
    // Half fixed, half random: spread out retries from many callers without ever retrying at once.
    return Math.round(ceiling * (0.5 + this.random() / 2));
  }
}

/**
 * `{serviceUrl}/v3/conversations/{conversationId}/activities[/{activityId}]`. The service URL may
 * or may not end in a slash. Ids are encoded as path segments: a thread's conversation id carries
 * `;messageid=` and a channel's `@thread.tacv2`, which must not be read as path syntax.
 */
export function activitiesUrl(serviceUrl: string, conversationId: string, activityId?: string): string {
  const base = serviceUrl.replace(/\/+$/, '');
  const activities = `${base}/v3/conversations/${encodeURIComponent(conversationId)}/activities`;
  return activityId === undefined ? activities : `${activities}/${encodeURIComponent(activityId)}`;
}

/**
 * Milliseconds to wait from a Retry-After header: delay-seconds or an HTTP date (RFC 9110).
 * Undefined when absent or unreadable, so the caller applies its own default.
 */
export function parseRetryAfterMs(
  header: string | null,
  wallClockNowMs: number = Date.now(),
): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - wallClockNowMs);
}

/**
 * A readable error from a failed call's body. Bot Connector answers `{ error: { code, message } }`,
 * but Teams' own failures arrive in other shapes, e.g. a 403 for a removed bot:
 * `{ "errorCode": 209, "message": "{\"subCode\": \"MessageWritesBlocked\", \"details\": ...}" }`,
 * a JSON document inside a string. The most specific code found (a subCode beats a code) leads.
 */
export function describeConnectorError(status: number, body: string): string {
  const found: { subCode?: string; code?: string; message?: string } = {};
  collectErrorFields(tryParseJson(body), found, 0);
  const code = found.subCode ?? found.code;
  const message =
    found.message ?? (code === undefined && !body.trim().startsWith('{') ? body.trim() : undefined);
  // A proxy or fake connector may echo the request back; the bearer token must not reach logs or the job table.
  const text = [`HTTP ${status}`, code, message]
    .filter(Boolean)
    .join(' ')
    .replace(/Bearer\s+[\w.~+/=-]+/gi, 'Bearer [redacted]');
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

function collectErrorFields(
  value: unknown,
  found: { subCode?: string; code?: string; message?: string },
  depth: number,
): void {
  if (depth > 4 || typeof value !== 'object' || value === null) return;
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === 'string') {
      const nested = tryParseJson(field);
      if (nested !== undefined && typeof nested === 'object') {
        collectErrorFields(nested, found, depth + 1);
        continue;
      }
      if (key === 'subCode' && field !== '') found.subCode ??= field;
      else if (key === 'code' && field !== '') found.code ??= field;
      else if ((key === 'message' || key === 'details') && field !== '') found.message ??= field;
    } else {
      collectErrorFields(field, found, depth + 1);
    }
  }
}

function tryParseJson(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

/** The id in a successful response (`{ "id": "..." }`); PUT responses may carry none. */
function activityIdFrom(body: string): string | undefined {
  const parsed = tryParseJson(body);
  if (typeof parsed === 'object' && parsed !== null && 'id' in parsed && typeof parsed.id === 'string') {
    return parsed.id;
  }
  return undefined;
}

/** One line for a fetch that got no answer: a timeout, or the network cause (ECONNRESET, ENOTFOUND...). */
export function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `timed out after ${timeoutMs} ms`;
  }
  // fetch reports "fetch failed" and keeps the useful part (ECONNRESET, ENOTFOUND...) in `cause`.
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `network error: ${errorMessage(error)}${cause}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
