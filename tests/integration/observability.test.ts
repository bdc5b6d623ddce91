/**
 * What operators see, over HTTP: /healthz, /readyz (required checks, information-only checks,
 * draining), /metrics after real commands, jobs and Bot Connector calls (nock at the connector
 * edge), and the log lines: one per request with the activity id, one per job, secrets redacted.
 */
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import type restify from 'restify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { HealthState } from '../../src/http/health.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { JobWorker } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/logger.js';
import { recordOutboundCall, setSseClients } from '../../src/observability/metrics.js';
import { outboundCallProbe } from '../../src/observability/outbound-health.js';
import { redactUrl } from '../../src/observability/request-log.js';
import { BotConnectorClient } from '../../src/teams/connector/connector-client.js';
import { ConversationRateLimiter } from '../../src/teams/connector/rate-limiter.js';
import { PEOPLE, smallDirectory, smallPlan } from '../support/small-plan.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const CONNECTOR = 'https://smba.trafficmanager.net';
let database: TestDatabase;
let server: restify.Server;
let health: HealthState;
let engine: Engine;
let base: string;
const lines: Record<string, unknown>[] = [];
const logger = createLogger(
  'debug',
  new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      callback();
    },
  }),
);
let workerPolling = true;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  database = await createTestDatabase();
  await storePlan(database, smallPlan(), { actor: 'test', source: 'small-plan' });
  engine = new Engine({ database, directory: smallDirectory() });
  health = new HealthState(database);
  health.require('jobWorker', () =>
    workerPolling ? { ok: true, detail: 'polling' } : { ok: false, detail: 'the job worker is not polling' },
  );
  health.inform('teams', outboundCallProbe('connector', 'Bot Connector', 'no Bot Connector call yet'));
  health.inform('graph', outboundCallProbe('graph', 'Microsoft Graph', 'no Microsoft Graph call yet'));
  server = createHttpServer({ database, logger, health, about: { service: 'runsheet' } });
  server.post('/api/messages', async (_req, res) => {
    res.send(200, {});
  });
  await listen(server, 0, '127.0.0.1');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.close();
  await database?.destroy();
  nock.cleanAll();
  nock.enableNetConnect();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const getJson = async (route: string): Promise<{ status: number; body: any }> => {
  const response = await fetch(`${base}${route}`);
  return { status: response.status, body: await response.json() };
};

/** The value of one sample in /metrics, exactly as printed (`name{labels}`); 0 when absent. */
async function metric(sample: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((each) => each.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

describe('health and readiness', () => {
  it('/healthz answers without the database; /readyz lists every check', async () => {
    expect(await getJson('/healthz')).toEqual({ status: 200, body: { status: 'ok', service: 'runsheet' } });
    const { status, body } = await getJson('/readyz');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      ready: true,
      draining: false,
      checks: {
        database: { ok: true },
        migrations: { ok: true, detail: expect.stringMatching(/^\d+ applied$/) },
        jobWorker: { ok: true, detail: 'polling' },
        teams: { ok: true, detail: 'no Bot Connector call yet', required: false },
        graph: { ok: true, detail: 'no Microsoft Graph call yet', required: false },
      },
    });
  });

  it('a failing Graph shows in the details but leaves the instance ready; a stopped worker does not', async () => {
    recordOutboundCall('graph', 503, 0.25);
    let { status, body } = await getJson('/readyz');
    expect(status).toBe(200);
    expect(body.checks.graph).toMatchObject({ ok: false, required: false });
    expect(body.checks.graph.detail).toMatch(/^last Microsoft Graph call: HTTP 503 in 0\.250 s at /);

    workerPolling = false;
    ({ status, body } = await getJson('/readyz'));
    workerPolling = true;
    expect(status).toBe(503);
    expect(body).toMatchObject({ ready: false, checks: { jobWorker: { ok: false } } });
  });
});

describe('metrics', () => {
  it('counts commands by action and outcome, and reads the job table', async () => {
    const activate = {
      action: 'activate' as const,
      subject: 'Run1',
      actor: { aadObjectId: PEOPLE.pilot.aadObjectId },
      source: 'teams' as const,
    };
    expect((await engine.execute(activate)).outcome).toBe('applied');
    expect(
      (await engine.execute({ ...activate, actor: { aadObjectId: PEOPLE.viewer.aadObjectId } })).outcome,
    ).toBe('refused');
    expect(await metric('runsheet_transitions_total{action="activate",outcome="applied"}')).toBe(1);
    expect(await metric('runsheet_transitions_total{action="activate",outcome="refused"}')).toBe(1);
    expect(await metric('runsheet_transition_duration_seconds_count{action="activate"}')).toBe(2);
    // Activation queued the card of the ready step (and the status change notices).
    expect(await metric('runsheet_jobs{kind="step-card.sync",state="pending"}')).toBeGreaterThanOrEqual(1);
    expect(
      await metric('runsheet_jobs_oldest_pending_age_seconds{kind="step-card.sync"}'),
    ).toBeGreaterThanOrEqual(0);
    expect(await metric('runsheet_database_up')).toBe(1);
    expect(await metric('runsheet_process_start_time_seconds')).toBeGreaterThan(0);
    expect(await metric('runsheet_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
    // The two 200s of /readyz in the tests above.
    expect(
      await metric('runsheet_http_request_duration_seconds_count{method="GET",route="/readyz",status="200"}'),
    ).toBe(2);
  });

  it('counts Bot Connector calls by status, 429s and retries, and /readyz shows the last one', async () => {
    const client = new BotConnectorClient({
      getToken: async () => 'secret-token',
      limiter: new ConversationRateLimiter(),
      sleep: async () => undefined,
    });
    const scope = nock(CONNECTOR)
      .post('/emea/v3/conversations/19%3Achannel/activities')
      .reply(429, {}, { 'retry-after': '0' })
      .post('/emea/v3/conversations/19%3Achannel/activities')
      .reply(201, { id: 'a-1' });
    const result = await client.postActivity(`${CONNECTOR}/emea/`, '19:channel', {
      type: 'message',
      text: 'hi',
    });
    scope.done();
    expect(result).toMatchObject({ ok: true, id: 'a-1', attempts: 2 });
    expect(await metric('runsheet_outbound_calls_total{target="connector",status="429"}')).toBe(1);
    expect(await metric('runsheet_outbound_calls_total{target="connector",status="201"}')).toBe(1);
    expect(await metric('runsheet_outbound_throttled_total{target="connector"}')).toBe(1);
    expect(await metric('runsheet_outbound_retries_total{target="connector"}')).toBe(1);
    expect(await metric('runsheet_outbound_call_duration_seconds_count{target="connector"}')).toBe(2);
    const { body } = await getJson('/readyz');
    expect(body.checks.teams.detail).toMatch(/^last Bot Connector call: HTTP 201 in /);
  });

  it('shows the SSE clients the hub reports', async () => {
    setSseClients(3);
    expect(await metric('runsheet_sse_clients')).toBe(3);
  });
});

describe('logs', () => {
  it('one line per request, with the route, status, duration and the activity id of a bot request', async () => {
    await fetch(`${base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'invoke',
        name: 'adaptiveCard/action',
        id: 'act-42',
        conversation: { id: '19:c' },
      }),
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const line = lines.find((each) => each.msg === 'request' && each.route === '/api/messages');
    expect(line).toMatchObject({
      method: 'POST',
      status: 200,
      activityId: 'act-42',
      activityType: 'invoke/adaptiveCard/action',
      conversationId: '19:c',
      reqId: expect.any(String),
      ms: expect.any(Number),
    });
  });

  it('one line per job with its correlation ids and outcome', async () => {
    const worker = new JobWorker({
      database,
      workerId: 'w-test',
      handlers: { 'step-card.sync': async () => ({ status: 'done' }) },
      logger,
    });
    const ran = await worker.runOnce();
    expect(ran).toBeGreaterThanOrEqual(1);
    const line = lines.find((each) => each.msg === 'job done' && each.kind === 'step-card.sync');
    expect(line).toMatchObject({
      jobId: expect.any(Number),
      attempt: 1,
      stepId: expect.any(Number),
      iterationId: expect.any(Number),
      auditSeq: expect.any(Number),
      workerId: 'w-test',
      outcome: 'done',
      ms: expect.any(Number),
    });
    expect(await metric('runsheet_job_runs_total{kind="step-card.sync",outcome="done"}')).toBe(ran);
  });

  it('redacts secrets and tokens wherever a logged object carries them', () => {
    logger.info(
      {
        headers: { authorization: 'Bearer abc' },
        config: { clientSecret: 'cs', MicrosoftAppPassword: 'pw' },
        err: { config: { headers: { Authorization: 'Bearer def' } } },
        GRAPH_CLIENT_SECRET: 'gs',
        access_token: 'at',
        url: redactUrl('/tab/auth?code=xyz&state=1&token=t'),
      },
      'redaction probe',
    );
    const text = JSON.stringify(lines.find((each) => each.msg === 'redaction probe'));
    for (const secret of ['abc', '"cs"', '"pw"', 'def', '"gs"', '"at"', 'xyz', 'token=t'])
      expect(text).not.toContain(secret);
    expect(text).toContain('state=1');
  });
});

describe('draining', () => {
  it('once shutdown begins, /readyz answers 503 draining', async () => {
    health.startDraining();
    const { status, body } = await getJson('/readyz');
    expect(status).toBe(503);
    expect(body).toMatchObject({ ready: false, draining: true, checks: { shutdown: { ok: false } } });
  });
});
