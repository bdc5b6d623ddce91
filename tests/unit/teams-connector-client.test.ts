/**
 * The Bot Connector client against nock at the HTTP edge: exact URLs, bodies and headers, and how
 * each kind of failure is retried or reported. Waits run on a fake clock: nothing really sleeps.
 */
import { Writable } from 'node:stream';
import nock from 'nock';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BotConnectorClient,
  activitiesUrl,
  describeConnectorError,
  parseRetryAfterMs,
  type BotConnectorClientOptions,
} from '../../src/teams/connector/connector-client.js';
import { ConversationRateLimiter } from '../../src/teams/connector/rate-limiter.js';

const HOST = 'https://smba.trafficmanager.net';
const SERVICE = `${HOST}/emea`;
const CHANNEL = '19:4f1a2b3c4d5e6f@thread.tacv2';
const ENCODED_CHANNEL = '19%3A4f1a2b3c4d5e6f%40thread.tacv2';
const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-token';
const CARD = {
  type: 'message',
  attachments: [
    { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } },
  ],
};
const BLOCKED_BODY = {
  errorCode: 209,
  message: JSON.stringify({
    subCode: 'MessageWritesBlocked',
    details: 'Thread is blocked from message writes.',
    errorCode: null,
    errorSubCode: null,
  }),
};

let clock: { now: number };
let slept: number[];
let logLines: string[];

/** A client whose waits advance the fake clock instead of sleeping. */
function client(overrides: Partial<BotConnectorClientOptions> = {}) {
  const limiter = new ConversationRateLimiter({ now: () => clock.now });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  return new BotConnectorClient({
    getToken: async () => TOKEN,
    limiter,
    sleep: async (ms) => {
      slept.push(ms);
      clock.now += ms;
    },
    random: () => 1,
    logger: pino({ level: 'debug' }, sink),
    ...overrides,
  });
}

const activitiesPath = `/emea/v3/conversations/${ENCODED_CHANNEL}/activities`;

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  clock = { now: 1_000_000 };
  slept = [];
  logLines = [];
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, 'every expected Bot Connector call was made').toEqual([]);
});

describe('BotConnectorClient', () => {
  it('posts an activity to the conversation with the bearer token and returns the new id', async () => {
    nock(HOST, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .post(activitiesPath, CARD)
      .matchHeader('content-type', /^application\/json/)
      .reply(201, { id: '1712345678901' });
    const result = await client().postActivity(SERVICE, CHANNEL, CARD);
    expect(result).toEqual({ ok: true, id: '1712345678901', attempts: 1 });
    expect(slept).toEqual([]);
  });

  it('updates an activity in place with PUT on its id', async () => {
    nock(HOST, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .put(`${activitiesPath}/1712345678901`, CARD)
      .reply(200, { id: '1712345678901' });
    const result = await client().updateActivity(SERVICE, CHANNEL, '1712345678901', CARD);
    expect(result).toEqual({ ok: true, id: '1712345678901', attempts: 1 });
  });

  it('accepts a success without a body (some PUT answers carry no id)', async () => {
    nock(HOST).put(`${activitiesPath}/42`).reply(200, '');
    expect(await client().updateActivity(SERVICE, CHANNEL, '42', CARD)).toEqual({
      ok: true,
      id: undefined,
      attempts: 1,
    });
  });

  it('waits for Retry-After (on the fake clock) after a 429, then retries', async () => {
    let firstAt = 0;
    let secondAt = 0;
    nock(HOST)
      .post(activitiesPath, CARD)
      .reply(() => {
        firstAt = clock.now;
        return [429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { 'Retry-After': '2' }];
      })
      .post(activitiesPath, CARD)
      .reply(() => {
        secondAt = clock.now;
        return [201, { id: 'a2' }];
      });
    const result = await client().postActivity(SERVICE, CHANNEL, CARD);
    expect(result).toEqual({ ok: true, id: 'a2', attempts: 2 });
    expect(secondAt - firstAt).toBeGreaterThanOrEqual(2000);
    expect(slept.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2000);
  });

  it('pauses the whole conversation after a 429, so the next call waits too', async () => {
    nock(HOST)
      .post(activitiesPath)
      .reply(429, '', { 'Retry-After': '3' })
      .post(activitiesPath)
      .reply(201, { id: 'a' });
    const limiter = new ConversationRateLimiter({ now: () => clock.now });
    const connector = client({ limiter, maxAttempts: 1 });
    const first = await connector.postActivity(SERVICE, CHANNEL, CARD);
    expect(first).toMatchObject({ ok: false, kind: 'gave-up', status: 429, retryAfterMs: 3000, attempts: 1 });
    expect(limiter.delayFor(CHANNEL)).toBe(3000);
    expect(await connector.postActivity(SERVICE, CHANNEL, CARD)).toMatchObject({ ok: true });
    expect(slept).toEqual([3000]);
  });

  it('spreads concurrent posts to one conversation over its rate limit: the 8th waits a second', async () => {
    nock(HOST).post(activitiesPath).times(8).reply(201, { id: 'a' });
    const connector = client();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => connector.postActivity(SERVICE, CHANNEL, CARD)),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    // Seven went at once; only the eighth slept, for the rest of the first second.
    expect(slept).toEqual([1000]);
  });

  it('reads a Retry-After given as an HTTP date, and defaults to 1 s without one', () => {
    const now = Date.parse('2026-12-05T18:00:00Z');
    expect(parseRetryAfterMs('Sat, 05 Dec 2026 18:00:04 GMT', now)).toBe(4000);
    expect(parseRetryAfterMs('Sat, 05 Dec 2026 17:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('1.5', now)).toBe(1500);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });

  it('retries a 429 without Retry-After after one second', async () => {
    nock(HOST).post(activitiesPath).reply(429).post(activitiesPath).reply(201, { id: 'a' });
    expect(await client().postActivity(SERVICE, CHANNEL, CARD)).toEqual({ ok: true, id: 'a', attempts: 2 });
    expect(slept).toEqual([1000]);
  });

  it('retries a 503 with backoff, then succeeds', async () => {
    nock(HOST)
      .post(activitiesPath)
      .reply(503, 'Service Unavailable')
      .post(activitiesPath)
      .reply(201, { id: 'a3' });
    const result = await client().postActivity(SERVICE, CHANNEL, CARD);
    expect(result).toEqual({ ok: true, id: 'a3', attempts: 2 });
    expect(slept).toEqual([250]);
  });

  it.each([412, 500, 502, 504])('retries a %i', async (status) => {
    nock(HOST).put(`${activitiesPath}/9`).reply(status).put(`${activitiesPath}/9`).reply(200, { id: '9' });
    expect(await client().updateActivity(SERVICE, CHANNEL, '9', CARD)).toEqual({
      ok: true,
      id: '9',
      attempts: 2,
    });
  });

  it('stops at once on 403 MessageWritesBlocked: the bot was removed or blocked', async () => {
    let calls = 0;
    nock(HOST)
      .post(activitiesPath)
      .times(5)
      .reply(() => {
        calls += 1;
        return [403, BLOCKED_BODY];
      });
    const result = await client().postActivity(SERVICE, CHANNEL, CARD);
    expect(calls).toBe(1);
    expect(result).toMatchObject({ ok: false, kind: 'blocked', status: 403, attempts: 1 });
    expect(!result.ok && result.error).toMatch(/MessageWritesBlocked/);
    expect(!result.ok && result.error).toMatch(/Thread is blocked from message writes/);
    nock.cleanAll(); // the 4 unused repetitions are the point of this test
  });

  it('reports a 404 as not-found and another 4xx as rejected, without retrying', async () => {
    nock(HOST)
      .put(`${activitiesPath}/gone`)
      .reply(404, { error: { code: 'ActivityNotFound', message: 'Unknown activity' } })
      .post(activitiesPath)
      .reply(400, { error: { code: 'BadArgument', message: 'Activity is malformed' } });
    expect(await client().updateActivity(SERVICE, CHANNEL, 'gone', CARD)).toEqual({
      ok: false,
      kind: 'not-found',
      status: 404,
      error: 'HTTP 404 ActivityNotFound Unknown activity',
      attempts: 1,
    });
    expect(await client().postActivity(SERVICE, CHANNEL, CARD)).toEqual({
      ok: false,
      kind: 'rejected',
      status: 400,
      error: 'HTTP 400 BadArgument Activity is malformed',
      attempts: 1,
    });
  });

  it('gives up after maxAttempts 503s, with the last status', async () => {
    nock(HOST).post(activitiesPath).times(5).reply(503, 'Service Unavailable');
    const result = await client().postActivity(SERVICE, CHANNEL, CARD);
    expect(result).toMatchObject({ ok: false, kind: 'gave-up', status: 503, attempts: 5 });
    expect(!result.ok && result.error).toMatch(/HTTP 503 Service Unavailable; gave up after 5 attempts/);
    // Exponential, jittered (random() = 1 here, so the top of each range): 0.25 s, 0.5 s, 1 s, 2 s.
    expect(slept).toEqual([250, 500, 1000, 2000]);
  });

  it('retries network errors and timeouts', async () => {
    let lateReplySent: Promise<void> = Promise.resolve();
    nock(HOST)
      .post(activitiesPath)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .post(activitiesPath)
      // Answers after the client's 50 ms timeout (real time: AbortSignal.timeout runs on real timers).
      .reply(() => {
        lateReplySent = new Promise((resolve) => setTimeout(resolve, 200));
        return lateReplySent.then(() => [201, { id: 'too-late' }]);
      })
      .post(activitiesPath)
      .reply(201, { id: 'a4' });
    const result = await client({ timeoutMs: 50 }).postActivity(SERVICE, CHANNEL, CARD);
    expect(result).toEqual({ ok: true, id: 'a4', attempts: 3 });
    const logged = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.map((entry) => entry.error).filter(Boolean)).toEqual([
      expect.stringMatching(/^network error: .*socket hang up/),
      'timed out after 50 ms',
    ]);
    await lateReplySent;
  });

  it('gives up with retryAfterMs instead of holding the job when the next slot is beyond the retry budget', async () => {
    nock(HOST).post(activitiesPath).reply(429, '', { 'Retry-After': '120' });
    const result = await client().postActivity(SERVICE, CHANNEL, CARD);
    expect(result).toMatchObject({
      ok: false,
      kind: 'gave-up',
      status: 429,
      attempts: 1,
      retryAfterMs: 120_000,
    });
    expect(slept).toEqual([]);
  });

  it('does not wait past the retry budget for a rate-limit slot, and books no slot it will not use', async () => {
    const limiter = new ConversationRateLimiter({ now: () => clock.now });
    limiter.pause(CHANNEL, clock.now + 60_000);
    const result = await client({ limiter }).postActivity(SERVICE, CHANNEL, CARD);
    expect(result).toMatchObject({
      ok: false,
      kind: 'gave-up',
      status: 0,
      attempts: 0,
      retryAfterMs: 60_000,
    });
    expect(limiter.trackedSends).toBe(0);
  });

  it('sends no Authorization header in local mode (getToken gives null)', async () => {
    nock(HOST, { badheaders: ['authorization'] })
      .post(activitiesPath, CARD)
      .reply(201, { id: 'local-1' });
    const result = await client({ getToken: async () => null }).postActivity(SERVICE, CHANNEL, CARD);
    expect(result).toEqual({ ok: true, id: 'local-1', attempts: 1 });
  });

  it('asks for the token of the service URL it calls', async () => {
    const asked: string[] = [];
    nock(HOST).post(activitiesPath).reply(201, { id: 'x' });
    await client({
      getToken: async (serviceUrl) => {
        asked.push(serviceUrl);
        return TOKEN;
      },
    }).postActivity(SERVICE, CHANNEL, CARD);
    expect(asked).toEqual([SERVICE]);
  });

  it.each([SERVICE, `${SERVICE}/`])('builds the same URL from service URL %s', async (serviceUrl) => {
    nock(HOST).post(activitiesPath).reply(201, { id: 'x' });
    expect(await client().postActivity(serviceUrl, CHANNEL, CARD)).toMatchObject({ ok: true });
  });

  it('encodes a thread reply conversation id (;messageid=) as one path segment', async () => {
    const thread = `${CHANNEL};messageid=1712345678901`;
    nock(HOST)
      .post(`/emea/v3/conversations/${ENCODED_CHANNEL}%3Bmessageid%3D1712345678901/activities`, CARD)
      .reply(201, { id: 'reply-1' });
    expect(await client().postActivity(SERVICE, thread, CARD)).toEqual({
      ok: true,
      id: 'reply-1',
      attempts: 1,
    });
    expect(activitiesUrl('http://localhost:3978/connector/', thread, '17/2')).toBe(
      `http://localhost:3978/connector/v3/conversations/${ENCODED_CHANNEL}%3Bmessageid%3D1712345678901/activities/17%2F2`,
    );
  });

  it('logs each call at debug with method, conversation, status, attempts and duration, never the token', async () => {
    nock(HOST).post(activitiesPath).reply(503).post(activitiesPath).reply(201, { id: 'a' });
    await client().postActivity(SERVICE, CHANNEL, CARD);
    const entries = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.at(-1)).toMatchObject({
      level: 20,
      msg: 'bot connector call',
      method: 'POST',
      conversationId: CHANNEL,
      status: 201,
      attempts: 2,
      ms: 250,
    });
    expect(logLines.join('')).not.toContain(TOKEN);
    expect(logLines.join('')).not.toContain('secret-token');
  });

  it('turns the shapes of Teams error bodies into readable errors', () => {
    expect(describeConnectorError(403, JSON.stringify(BLOCKED_BODY))).toBe(
      'HTTP 403 MessageWritesBlocked Thread is blocked from message writes.',
    );
    expect(
      describeConnectorError(403, '{"error":{"code":"BotDisabledByAdmin","message":"The bot is disabled"}}'),
    ).toBe('HTTP 403 BotDisabledByAdmin The bot is disabled');
    expect(describeConnectorError(502, '<html>Bad Gateway</html>')).toBe('HTTP 502 <html>Bad Gateway</html>');
    expect(describeConnectorError(500, '')).toBe('HTTP 500');
    expect(describeConnectorError(500, 'x'.repeat(2000)).length).toBeLessThanOrEqual(501);
  });
});
