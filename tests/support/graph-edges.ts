/**
 * The Entra ID token edge and the Graph edge, as nock sees them, plus a Graph configuration and a
 * log sink for tests. Nothing here reaches the network: tests call nock.disableNetConnect().
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { pino, type Logger } from 'pino';
import type { GraphConfig } from '../../src/config.js';

export const TENANT = '7e3a1c55-0d1f-4c5b-9a51-0f1e2d3c4b5a';
export const CLIENT_ID = 'c0ffee00-1234-4abc-8def-00000000a11e';
export const PILOTS_GROUP = '00000000-0000-4000-8000-00000000f11e';
export const MAILBOX = 'cutover@bank.example';
export const LOGIN = 'https://login.microsoftonline.com';
export const GRAPH = 'https://graph.microsoft.com';
export const TOKEN_PATH = `/${TENANT}/oauth2/v2.0/token`;
export const MEMBERS_QUERY = {
  $select: 'id,displayName,mail,userPrincipalName',
  $count: 'true',
  $top: '999',
};

export function graphConfig(overrides: Partial<GraphConfig> = {}): GraphConfig {
  return {
    tenantId: TENANT,
    clientId: CLIENT_ID,
    credential: { kind: 'secret', secret: 'graph-secret-value' },
    authorityHost: LOGIN,
    baseUrl: `${GRAPH}/v1.0`,
    directoryTtlSeconds: 300,
    pilotsGroupId: PILOTS_GROUP,
    mailbox: MAILBOX,
    ...overrides,
  };
}

/** The environment that turns Graph on, for loadConfig and the CLI. */
export function graphEnvironment(): NodeJS.ProcessEnv {
  return {
    GRAPH_TENANT_ID: TENANT,
    GRAPH_CLIENT_ID: CLIENT_ID,
    GRAPH_CLIENT_SECRET: 'graph-secret-value',
    RUNSHEET_PILOTS_GROUP_ID: PILOTS_GROUP,
    RUNSHEET_MAILBOX: MAILBOX,
  };
}

/** Entra ID answers the client credentials grant; `bodies` collects each request's form fields. */
export function tokenEdge(bodies: URLSearchParams[] = [], token = 'graph-access-token-1', times = 1) {
  return nock(LOGIN)
    .post(TOKEN_PATH, (body: string) => {
      bodies.push(new URLSearchParams(body));
      return true;
    })
    .query(true)
    .times(times)
    .reply(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
}

export const graphEdge = () => nock(GRAPH);

/**
 * Registers the file's nock hooks: no network but loopback (PostgreSQL), and after each test, every
 * expected Entra ID and Graph call was made.
 */
export function useGraphEdges(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterAll(() => nock.enableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending, 'every expected Entra ID and Graph call was made').toEqual([]);
  });
}

/** A pino logger whose lines land in `lines`, parsed. */
export function capturedLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** Waits that return at once and remember how long they were asked to be. */
export function recordedSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

/** A Graph user as `$select=id,displayName,mail,userPrincipalName` returns it. */
export function graphUser(id: string, name: string, mail: string | null, upn?: string) {
  return { id, displayName: name, mail, userPrincipalName: upn ?? mail ?? `${id}@bank.example` };
}

/**
 * A throwaway RSA key (node:crypto) and its self-signed certificate, in one PEM file as Key Vault
 * exports it. The certificate needs openssl (node:crypto reads X.509 but cannot issue it);
 * `certificatePem` is undefined when openssl is missing.
 */
export function throwawayCertificate(): { dir: string; keyPem: string; certificatePem: string | undefined } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runsheet-graph-cert-'));
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const keyFile = path.join(dir, 'key.pem');
  fs.writeFileSync(keyFile, keyPem);
  let certificatePem: string | undefined;
  try {
    certificatePem = execFileSync(
      'openssl',
      ['req', '-x509', '-key', keyFile, '-subj', '/CN=runsheet-graph-test', '-days', '1', '-sha256'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
  } catch {
    certificatePem = undefined;
  }
  return { dir, keyPem, certificatePem };
}
