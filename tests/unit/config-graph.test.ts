/** The Microsoft Graph settings: off by default, all-or-nothing, one credential, one directory source. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { CLIENT_ID, MAILBOX, PILOTS_GROUP, TENANT, graphEnvironment } from '../support/graph-edges.js';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('Graph configuration', () => {
  it('is off without GRAPH_CLIENT_ID', () => {
    expect(loadConfig({}).graph).toBeUndefined();
    expect(loadConfig({ RUNSHEET_MAILBOX: MAILBOX }).mail.from).toBe(MAILBOX);
    expect(loadConfig({}).mail.from).toBe('runsheet@localhost');
  });

  it("reads a secret credential with the global cloud's defaults", () => {
    expect(loadConfig(graphEnvironment()).graph).toEqual({
      tenantId: TENANT,
      clientId: CLIENT_ID,
      credential: { kind: 'secret', secret: 'graph-secret-value' },
      authorityHost: 'https://login.microsoftonline.com',
      baseUrl: 'https://graph.microsoft.com/v1.0',
      directoryTtlSeconds: 300,
      pilotsGroupId: PILOTS_GROUP,
      mailbox: MAILBOX,
    });
  });

  it('reads a certificate credential and a national cloud', () => {
    const { GRAPH_CLIENT_SECRET: _secret, ...env } = graphEnvironment();
    const graph = loadConfig({
      ...env,
      GRAPH_CERTIFICATE_PATH: 'secrets/graph.pem',
      GRAPH_CERTIFICATE_THUMBPRINT: 'ab:cd:'.repeat(10).slice(0, -1),
      GRAPH_AUTHORITY_HOST: 'https://login.microsoftonline.us/',
      GRAPH_BASE_URL: 'https://graph.microsoft.us/v1.0/',
      GRAPH_DIRECTORY_TTL_SECONDS: '600',
    }).graph!;
    expect(graph.credential).toEqual({
      kind: 'certificate',
      path: path.resolve('secrets/graph.pem'),
      thumbprint: 'ABCD'.repeat(10),
    });
    expect(graph).toMatchObject({
      authorityHost: 'https://login.microsoftonline.us',
      baseUrl: 'https://graph.microsoft.us/v1.0',
      directoryTtlSeconds: 600,
    });
  });

  it('lists everything Graph still needs', () => {
    expect(problemsOf({ GRAPH_CLIENT_ID: CLIENT_ID })).toEqual([
      'GRAPH_TENANT_ID: required when GRAPH_CLIENT_ID is set',
      'RUNSHEET_PILOTS_GROUP_ID: required when GRAPH_CLIENT_ID is set',
      'RUNSHEET_MAILBOX: required when GRAPH_CLIENT_ID is set',
      'GRAPH_CLIENT_SECRET or GRAPH_CERTIFICATE_PATH: one is required when GRAPH_CLIENT_ID is set',
    ]);
  });

  it('refuses two credentials, a lone Graph setting, and a local directory file next to Graph', () => {
    expect(
      problemsOf({ ...graphEnvironment(), GRAPH_CERTIFICATE_PATH: 'x.pem', RUNSHEET_DIRECTORY: 'd.json' }),
    ).toEqual([
      'GRAPH_CLIENT_SECRET, GRAPH_CERTIFICATE_PATH: set one credential, not both',
      'RUNSHEET_DIRECTORY: not used when GRAPH_CLIENT_ID is set (the directory comes from Entra ID); unset one of them',
    ]);
    expect(problemsOf({ GRAPH_TENANT_ID: TENANT, GRAPH_CLIENT_SECRET: 's' })).toEqual([
      'GRAPH_CLIENT_ID: required when GRAPH_TENANT_ID, GRAPH_CLIENT_SECRET are set',
    ]);
  });

  it('names bad values', () => {
    const problems = problemsOf({
      ...graphEnvironment(),
      RUNSHEET_PILOTS_GROUP_ID: 'Pilots',
      RUNSHEET_MAILBOX: 'cutover',
      GRAPH_BASE_URL: 'http://graph.microsoft.com/v1.0',
      GRAPH_DIRECTORY_TTL_SECONDS: '5',
    });
    expect(problems).toHaveLength(4);
    expect(problems.find((p) => p.startsWith('RUNSHEET_PILOTS_GROUP_ID="Pilots"'))).toContain('GUID');
    expect(problems.find((p) => p.startsWith('RUNSHEET_MAILBOX="cutover"'))).toContain('SMTP address');
    expect(problems.some((p) => p.startsWith('GRAPH_BASE_URL="http://graph.microsoft.com/v1.0"'))).toBe(true);
    expect(problems.some((p) => p.startsWith('GRAPH_DIRECTORY_TTL_SECONDS="5"'))).toBe(true);
  });
});
