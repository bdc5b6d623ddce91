/**
 * The service with its tab, in-process, for the tab's tests: the sample plan imported and Run1
 * activated, the sample directory, and an Entra stand-in on 127.0.0.1 (a JWKS endpoint with a
 * local RSA key, and a token minter). `teams: true` configures an app id, so only SSO tokens are
 * accepted; `teams: false` is local mode.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import type restify from 'restify';
import { loadConfig } from '../../src/config.js';
import { loadJsonDirectory } from '../../src/directory/local-json-directory.js';
import { Engine } from '../../src/engine/engine.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { readPlanFile } from '../../src/import/read-plan.js';
import { createLogger } from '../../src/logger.js';
import { startTabService, type TabService } from '../../src/tab/tab-service.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const TENANT = '0f9e8d7c-0000-4000-8000-00000000aaaa';
export const CLIENT_ID = '11111111-2222-4333-8444-555555555555';
export const HOSTNAME = 'runsheet.bank.example';
export const APP_ID_URI = `api://${HOSTNAME}/${CLIENT_ID}`;
export const ITERATION = 'Run1';
export const sampleDirectory = () => loadJsonDirectory(path.resolve('samples/demo-directory.json'));
export const PEOPLE = {
  pilot: 'claire.pilot@bank.example',
  viewer: 'greta.manager@bank.example',
  operations: 'marc.operations@bank.example',
};

export interface TokenOptions {
  audience?: string;
  issuer?: string;
  expiresInSeconds?: number;
  /** Sign with a key the JWKS does not publish, under the published key's id (a forgery). */
  forged?: boolean;
}

export interface TabHarness {
  base: string;
  database: TestDatabase;
  engine: Engine;
  /** A second engine on the same database: another process, as the CLI is. */
  otherProcess: Engine;
  tab: TabService;
  server: restify.Server;
  /** A signed Entra-style access token for a directory user (by email). */
  token(email: string, options?: TokenOptions): Promise<string>;
  stop(): Promise<void>;
}

async function startJwks() {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const forger = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server = http.createServer((req, res) => {
    res.writeHead(req.url === '/keys' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/keys' ? { keys: [jwk] } : {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
  return { url, privateKey, forgerKey: forger.privateKey, close: () => server.close() };
}

export async function startTabHarness(options: { teams: boolean }): Promise<TabHarness> {
  const database = await createTestDatabase();
  const jwks = await startJwks();
  const directory = sampleDirectory();
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    RUNSHEET_PUBLIC_HOSTNAME: HOSTNAME,
    RUNSHEET_TAB_JWKS_URL: jwks.url,
    ...(options.teams
      ? { MicrosoftAppId: CLIENT_ID, MicrosoftAppPassword: 'secret', MicrosoftAppTenantId: TENANT }
      : {}),
  });
  const logger = createLogger(config.logLevel);
  const engine = new Engine({ database, directory });
  const otherProcess = new Engine({ database, directory });

  const plan = await readPlanFile(path.resolve('samples/demo-runsheet.json'), {
    registeredStepTypes: new Set(['TRT', 'PRE', 'BUS', 'IGO', 'BGO', 'DUM', 'SYS', 'CHK', 'GON']),
  });
  if (!plan.plan) throw new Error('the sample plan did not read');
  await storePlan(database, plan.plan, { actor: PEOPLE.pilot, source: 'demo-runsheet.json' });
  const activated = await engine.execute({
    action: 'activate',
    subject: ITERATION,
    actor: { email: PEOPLE.pilot },
    source: 'cli',
  });
  if (activated.outcome !== 'applied') throw new Error(`activation: ${activated.message}`);

  const server = createHttpServer({ database, logger, about: { service: 'runsheet' } });
  const tab = await startTabService({ config, server, engine, directory, logger });
  await listen(server, 0, '127.0.0.1');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const token = async (email: string, tokenOptions: TokenOptions = {}) => {
    const user = directory.findByEmail(email);
    const claims: JWTPayload = {
      oid: user?.aadObjectId ?? '00000000-0000-4000-8000-000000000000',
      preferred_username: email,
      name: user?.name ?? email,
      tid: TENANT,
      scp: 'access_as_user',
    };
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' })
      .setIssuer(tokenOptions.issuer ?? `https://login.microsoftonline.com/${TENANT}/v2.0`)
      .setAudience(tokenOptions.audience ?? APP_ID_URI)
      .setIssuedAt(now - 60)
      .setNotBefore(now - 60)
      .setExpirationTime(now + (tokenOptions.expiresInSeconds ?? 3600))
      .sign(tokenOptions.forged ? jwks.forgerKey : jwks.privateKey);
  };

  return {
    base,
    database,
    engine,
    otherProcess,
    tab,
    server,
    token,
    async stop() {
      await tab.stop();
      server.close();
      jwks.close();
      await database.destroy();
    },
  };
}
