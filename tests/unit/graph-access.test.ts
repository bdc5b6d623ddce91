/**
 * Graph access at the HTTP edges: the client credentials request Entra ID receives (secret and
 * certificate), MSAL's token cache, retries of 429/503/504 honouring Retry-After within a bounded
 * number of attempts, and the request ids in the logs and errors. Waits are recorded, not slept.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { GraphRequestError } from '../../src/graph/graph-api.js';
import { GraphCredentialError } from '../../src/graph/graph-credential.js';
import { createGraphApi } from '../../src/graph/graph-services.js';
import { metricsRegistry } from '../../src/observability/metrics.js';
import {
  CLIENT_ID,
  LOGIN,
  PILOTS_GROUP,
  TENANT,
  TOKEN_PATH,
  capturedLogger,
  graphConfig,
  graphEdge,
  recordedSleep,
  throwawayCertificate,
  tokenEdge,
  useGraphEdges,
} from '../support/graph-edges.js';

const GROUP_PATH = `/v1.0/groups/${PILOTS_GROUP}`;

useGraphEdges();

/** The current value of one Prometheus sample of this process, e.g. `runsheet_outbound_retries_total{target="graph"}`. */
async function metric(sample: string): Promise<number> {
  const text = await metricsRegistry.metrics();
  const line = text.split('\n').find((each) => each.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

describe('Graph access tokens', () => {
  it('asks Entra ID for an app-only Graph token with the client secret, once, and reuses it from the cache', async () => {
    const bodies: URLSearchParams[] = [];
    tokenEdge(bodies, 'token-from-entra');
    graphEdge()
      .get(GROUP_PATH)
      .times(2)
      .matchHeader('authorization', 'Bearer token-from-entra')
      .reply(200, { id: PILOTS_GROUP });
    const api = createGraphApi(graphConfig(), capturedLogger().logger);

    await api.get(`/groups/${PILOTS_GROUP}`);
    await api.get(`/groups/${PILOTS_GROUP}`);

    expect(bodies).toHaveLength(1);
    expect(Object.fromEntries(bodies[0]!)).toMatchObject({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: 'graph-secret-value',
      scope: 'https://graph.microsoft.com/.default',
    });
  });

  it('asks a national cloud for its own Graph scope', async () => {
    const bodies: URLSearchParams[] = [];
    nock('https://login.microsoftonline.us')
      .post(TOKEN_PATH, (body: string) => bodies.push(new URLSearchParams(body)) > 0)
      .query(true)
      .reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: 'us-token' });
    nock('https://graph.microsoft.us')
      .get(GROUP_PATH)
      .matchHeader('authorization', 'Bearer us-token')
      .reply(200, {});
    const api = createGraphApi(
      graphConfig({
        authorityHost: 'https://login.microsoftonline.us',
        baseUrl: 'https://graph.microsoft.us/v1.0',
      }),
      capturedLogger().logger,
    );

    await api.get(`/groups/${PILOTS_GROUP}`);

    expect(bodies[0]!.get('scope')).toBe('https://graph.microsoft.us/.default');
  });

  it('signs a client assertion with the certificate, identified by its SHA-256 thumbprint', async () => {
    const { dir, keyPem, certificatePem } = throwawayCertificate();
    try {
      const file = path.join(dir, 'graph.pem');
      let thumbprint: string | undefined;
      let publicKey: crypto.KeyObject;
      if (certificatePem) {
        fs.writeFileSync(file, `${keyPem}${certificatePem}`);
        const certificate = new crypto.X509Certificate(certificatePem);
        publicKey = certificate.publicKey;
        thumbprint = certificate.fingerprint256.replace(/:/g, '');
      } else {
        // Without openssl there is no certificate to read: the thumbprint comes from the setting.
        fs.writeFileSync(file, keyPem);
        publicKey = crypto.createPublicKey(keyPem);
        thumbprint = 'AB'.repeat(32);
      }
      const bodies: URLSearchParams[] = [];
      tokenEdge(bodies);
      graphEdge().get(GROUP_PATH).reply(200, {});
      const api = createGraphApi(
        graphConfig({
          credential: {
            kind: 'certificate',
            path: file,
            thumbprint: certificatePem ? undefined : thumbprint,
          },
        }),
        capturedLogger().logger,
      );

      await api.get(`/groups/${PILOTS_GROUP}`);

      const form = bodies[0]!;
      expect(form.get('client_secret')).toBeNull();
      expect(form.get('grant_type')).toBe('client_credentials');
      expect(form.get('client_assertion_type')).toBe(
        'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      );
      const [header, payload, signature] = form.get('client_assertion')!.split('.');
      const decoded = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
      expect(decoded(header!)['x5t#S256']).toBe(Buffer.from(thumbprint, 'hex').toString('base64url'));
      expect(decoded(payload!)).toMatchObject({
        iss: CLIENT_ID,
        sub: CLIENT_ID,
        aud: `${LOGIN}/${TENANT}/oauth2/v2.0/token`,
      });
      const alg = decoded(header!).alg as string;
      const verified = crypto.verify(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        alg === 'PS256'
          ? { key: publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
          : publicKey,
        Buffer.from(signature!, 'base64url'),
      );
      expect(verified, `the assertion's ${alg} signature verifies with the certificate's key`).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a certificate file without a private key, naming the file', () => {
    const { dir, certificatePem } = throwawayCertificate();
    try {
      const file = path.join(dir, 'cert-only.pem');
      fs.writeFileSync(file, certificatePem ?? 'not a pem');
      const build = () =>
        createGraphApi(
          graphConfig({ credential: { kind: 'certificate', path: file, thumbprint: undefined } }),
          capturedLogger().logger,
        );
      expect(build).toThrow(GraphCredentialError);
      expect(build).toThrow(`GRAPH_CERTIFICATE_PATH ${file}: no PEM private key in the file`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports a refused token request as a token failure, with Entra ID's error code", async () => {
    nock(LOGIN)
      .post(TOKEN_PATH)
      .query(true)
      .reply(401, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
        error_codes: [7000215],
      });
    const api = createGraphApi(graphConfig(), capturedLogger().logger);

    const error = await api.get(`/groups/${PILOTS_GROUP}`).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GraphRequestError);
    expect(error).toMatchObject({ code: 'token', attempts: 0 });
    expect((error as Error).message).toContain('invalid_client');
  });
});

describe('Graph retries', () => {
  it('waits as long as Retry-After says after a 429, then succeeds; logs both request ids', async () => {
    tokenEdge();
    graphEdge()
      .get(GROUP_PATH)
      .reply(
        429,
        { error: { code: 'TooManyRequests', message: 'Too many requests' } },
        {
          'Retry-After': '7',
          'request-id': 'rid-throttled',
        },
      )
      .get(GROUP_PATH)
      .reply(200, { id: PILOTS_GROUP }, { 'request-id': 'rid-ok' });
    const { sleep, waits } = recordedSleep();
    const { logger, lines } = capturedLogger();
    const api = createGraphApi(graphConfig(), logger, { sleep });
    const samples = [
      'runsheet_outbound_calls_total{target="graph",status="429"}',
      'runsheet_outbound_calls_total{target="graph",status="200"}',
      'runsheet_outbound_throttled_total{target="graph"}',
      'runsheet_outbound_retries_total{target="graph"}',
    ];
    const before = await Promise.all(samples.map(metric));

    const group = await api.get<{ id: string }>(`/groups/${PILOTS_GROUP}`);

    expect(group.id).toBe(PILOTS_GROUP);
    expect(waits).toEqual([7000]);
    // Each attempt is counted for /metrics: one 429, one 200, one throttle, one retry.
    const after = await Promise.all(samples.map(metric));
    expect(after.map((value, i) => value - before[i]!)).toEqual([1, 1, 1, 1]);
    const calls = lines.filter((line) => line.path === GROUP_PATH);
    expect(calls.map((line) => [line.status, line.requestId, line.attempt])).toEqual([
      [429, 'rid-throttled', 1],
      [200, 'rid-ok', 2],
    ]);
    // The same client-request-id on every attempt of one call, for Microsoft support.
    expect(calls[0]!.clientRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(calls[1]!.clientRequestId).toBe(calls[0]!.clientRequestId);
    expect(JSON.stringify(lines)).not.toContain('graph-access-token-1');
  });

  it('backs off exponentially on 503 and 504 without Retry-After', async () => {
    tokenEdge();
    graphEdge().get(GROUP_PATH).reply(503).get(GROUP_PATH).reply(504).get(GROUP_PATH).reply(200, {});
    const { sleep, waits } = recordedSleep();
    const api = createGraphApi(graphConfig(), capturedLogger().logger, { sleep, random: () => 1 });

    await api.get(`/groups/${PILOTS_GROUP}`);

    expect(waits).toEqual([1000, 2000]);
  });

  it('gives up after the bounded number of attempts with an error naming status, request id and attempts', async () => {
    tokenEdge();
    graphEdge()
      .get(GROUP_PATH)
      .times(3)
      .reply(
        429,
        { error: { code: 'TooManyRequests', message: 'Please retry later' } },
        {
          'Retry-After': '2',
          'request-id': 'rid-still-throttled',
        },
      );
    const { sleep, waits } = recordedSleep();
    const api = createGraphApi(graphConfig(), capturedLogger().logger, { sleep, maxAttempts: 3 });

    const error = (await api.get(`/groups/${PILOTS_GROUP}`).catch((e: unknown) => e)) as GraphRequestError;

    expect(waits).toEqual([2000, 2000]);
    expect(error).toBeInstanceOf(GraphRequestError);
    expect(error).toMatchObject({
      code: 'throttled',
      status: 429,
      graphCode: 'TooManyRequests',
      requestId: 'rid-still-throttled',
      attempts: 3,
      retryAfterMs: 2000,
    });
    expect(error.message).toMatch(
      new RegExp(
        `^Graph GET /groups/${PILOTS_GROUP}: HTTP 429 TooManyRequests Please retry later \\(request-id rid-still-throttled, client-request-id [0-9a-f-]{36}, 3 attempts\\)$`,
      ),
    );
  });

  it('stops at once when Retry-After asks for longer than the retry budget', async () => {
    tokenEdge();
    graphEdge().get(GROUP_PATH).reply(429, {}, { 'Retry-After': '120' });
    const { sleep, waits } = recordedSleep();
    const api = createGraphApi(graphConfig(), capturedLogger().logger, { sleep });

    const error = (await api.get(`/groups/${PILOTS_GROUP}`).catch((e: unknown) => e)) as GraphRequestError;

    expect(waits).toEqual([]);
    expect(error).toMatchObject({ code: 'throttled', attempts: 1, retryAfterMs: 120_000 });
  });

  it('does not retry a 403 or a 404', async () => {
    tokenEdge();
    graphEdge()
      .get(GROUP_PATH)
      .reply(403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges' } });
    const api = createGraphApi(graphConfig(), capturedLogger().logger, recordedSleep());

    const error = await api.get(`/groups/${PILOTS_GROUP}`).catch((e: unknown) => e);

    expect(error).toMatchObject({
      code: 'rejected',
      status: 403,
      graphCode: 'Authorization_RequestDenied',
      attempts: 1,
    });
  });

  it('retries a GET that got no answer in time', async () => {
    tokenEdge();
    graphEdge()
      .get(GROUP_PATH)
      .replyWithError({ code: 'ECONNRESET', message: 'socket hang up' })
      .get(GROUP_PATH)
      .reply(200, { id: 'x' });
    const { sleep, waits } = recordedSleep();
    const { logger, lines } = capturedLogger();
    const api = createGraphApi(graphConfig(), logger, { sleep, random: () => 1, timeoutMs: 150 });

    await expect(api.get(`/groups/${PILOTS_GROUP}`)).resolves.toEqual({ id: 'x' });
    expect(waits).toEqual([1000]);
    expect(lines.find((line) => line.msg === 'graph call failed without an answer')).toMatchObject({
      attempt: 1,
      error: 'timed out after 150 ms',
    });
  });
});
