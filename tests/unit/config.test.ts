/** The environment is parsed once; every bad or missing value is listed, not only the first. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('defaults to local mode on the embedded database, bound to loopback', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3978,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: path.resolve('./data'),
      localMode: true,
      logLevel: 'info',
    });
  });

  it('binds to all interfaces once a bot identity is configured, unless HOST says otherwise', () => {
    const teams = { MicrosoftAppId: 'app', MicrosoftAppPassword: 'secret', MicrosoftAppTenantId: 'tenant' };
    expect(loadConfig(teams)).toMatchObject({
      localMode: false,
      host: '0.0.0.0',
      bot: { appType: 'SingleTenant' },
    });
    expect(loadConfig({ ...teams, HOST: '10.1.2.3' }).host).toBe('10.1.2.3');
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', MicrosoftAppId: '' })).toMatchObject({
      port: 3978,
      databaseUrl: undefined,
      localMode: true,
    });
  });

  it('reads the instance count and the shutdown grace, with defaults for one instance', () => {
    expect(loadConfig({})).toMatchObject({ instances: 1, shutdownGraceMs: 25_000 });
    expect(loadConfig({ RUNSHEET_INSTANCES: '2', RUNSHEET_SHUTDOWN_GRACE_SECONDS: '40' })).toMatchObject({
      instances: 2,
      shutdownGraceMs: 40_000,
    });
    expect(() => loadConfig({ RUNSHEET_INSTANCES: '8', RUNSHEET_SHUTDOWN_GRACE_SECONDS: '-1' })).toThrow(
      /RUNSHEET_INSTANCES="8": [\s\S]*RUNSHEET_SHUTDOWN_GRACE_SECONDS="-1": /,
    );
  });

  it('lists every problem at once, naming each variable and its value', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', RUNSHEET_DB_POOL_MAX: '0' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^PORT="eighty": /);
    expect(problems.find((p) => p.startsWith('DATABASE_URL="mysql://x"'))).toContain('postgres://');
    expect(problems.some((p) => p.startsWith('LOG_LEVEL="loud"'))).toBe(true);
    expect(problems.some((p) => p.startsWith('RUNSHEET_DB_POOL_MAX="0"'))).toBe(true);
  });

  it('requires the password and tenant that a bot identity needs', () => {
    expect(() => loadConfig({ MicrosoftAppId: 'app' })).toThrow(
      new ConfigError([
        'MicrosoftAppPassword: required when MicrosoftAppId is set (unless MicrosoftAppType=UserAssignedMSI)',
        'MicrosoftAppTenantId: required when MicrosoftAppType=SingleTenant',
      ]),
    );
    expect(
      loadConfig({ MicrosoftAppId: 'app', MicrosoftAppPassword: 'p', MicrosoftAppType: 'MultiTenant' })
        .localMode,
    ).toBe(false);
  });
});
