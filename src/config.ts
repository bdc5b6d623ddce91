/**
 * The service's configuration: one zod schema over the environment, parsed once at start.
 * A bad or missing value stops the service with every problem listed, not only the first.
 * Every setting is documented in docs/configuration.md; keep the two in step.
 */
import path from 'node:path';
import { z } from 'zod';

// Operators often leave `NAME=` in env files; an empty value means "not set", not "empty string".
const optionalText = z.preprocess((value) => (value === '' ? undefined : value), z.string().optional());

const environmentSchema = z.object({
  PORT: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(1).max(65535).default(3978),
  ),
  HOST: optionalText,
  DATABASE_URL: optionalText.refine((value) => value === undefined || /^postgres(ql)?:\/\//.test(value), {
    message: 'must be a postgres:// or postgresql:// connection string',
  }),
  RUNSHEET_DATA_DIR: z.preprocess((v) => (v === '' ? undefined : v), z.string().default('./data')),
  RUNSHEET_DIRECTORY: optionalText,
  RUNSHEET_DB_POOL_MAX: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(1).max(100).default(10),
  ),
  MicrosoftAppId: optionalText,
  MicrosoftAppPassword: optionalText,
  MicrosoftAppType: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('SingleTenant'),
  ),
  MicrosoftAppTenantId: optionalText,
  // The tab's single sign-on (src/tab/tab-auth.ts); see docs/configuration.md.
  RUNSHEET_TAB_CLIENT_ID: optionalText,
  RUNSHEET_TAB_TENANT_ID: optionalText,
  RUNSHEET_TAB_APP_ID_URI: optionalText,
  RUNSHEET_TAB_JWKS_URL: optionalText.refine((value) => value === undefined || /^https?:\/\//.test(value), {
    message: 'must be an http:// or https:// URL',
  }),
  RUNSHEET_PUBLIC_HOSTNAME: optionalText,
  LOG_LEVEL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
});

export interface Config {
  port: number;
  /** The address to bind: 127.0.0.1 in local mode unless told otherwise, 0.0.0.0 otherwise. */
  host: string;
  /** PostgreSQL connection string; undefined means the embedded PGlite database in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  databasePoolMax: number;
  /** Path of the local directory JSON (local mode and tests); undefined when none is configured. */
  directoryFile: string | undefined;
  /** Local mode: no bot identity configured, so no Teams traffic can be authenticated. */
  localMode: boolean;
  bot: {
    appId: string | undefined;
    appPassword: string | undefined;
    appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
    tenantId: string | undefined;
  };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The tab's Entra single sign-on; see TabSsoConfig. */
  tabSso: TabSsoConfig;
}

/**
 * What the tab needs to validate the Entra SSO tokens Teams gives it. `clientId` and `tenantId`
 * undefined means SSO is not configured: the tab's API then refuses every token (local mode uses
 * its user picker instead).
 */
export interface TabSsoConfig {
  /** The Entra app (client) id the tab's tokens are issued to: RUNSHEET_TAB_CLIENT_ID, else MicrosoftAppId. */
  clientId: string | undefined;
  /** RUNSHEET_TAB_TENANT_ID, else MicrosoftAppTenantId. */
  tenantId: string | undefined;
  /** Accepted audiences: the application id URI (api://host/clientId) and the client id itself. */
  audiences: string[];
  /** Where the tenant's signing keys are published. */
  jwksUrl: string | undefined;
}

/** Raised when the environment does not describe a runnable service; `problems` lists them all. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment into a Config, or throws ConfigError naming every bad or missing value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const value = env[name];
        return `${name}${value === undefined ? '' : `=${JSON.stringify(value)}`}: ${issue.message}`;
      });
  // Checked on the raw values too, so they are listed alongside any problem above.
  const given = (name: string) => env[name] !== undefined && env[name] !== '';
  const appType = given('MicrosoftAppType') ? env.MicrosoftAppType : 'SingleTenant';
  if (given('MicrosoftAppId') && appType !== 'UserAssignedMSI' && !given('MicrosoftAppPassword')) {
    problems.push(
      'MicrosoftAppPassword: required when MicrosoftAppId is set (unless MicrosoftAppType=UserAssignedMSI)',
    );
  }
  if (given('MicrosoftAppId') && appType !== 'MultiTenant' && !given('MicrosoftAppTenantId')) {
    problems.push(`MicrosoftAppTenantId: required when MicrosoftAppType=${appType}`);
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const localMode = e.MicrosoftAppId === undefined;
  return {
    port: e.PORT,
    host: e.HOST ?? (localMode ? '127.0.0.1' : '0.0.0.0'),
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.RUNSHEET_DATA_DIR),
    databasePoolMax: e.RUNSHEET_DB_POOL_MAX,
    directoryFile: e.RUNSHEET_DIRECTORY === undefined ? undefined : path.resolve(e.RUNSHEET_DIRECTORY),
    localMode,
    bot: {
      appId: e.MicrosoftAppId,
      appPassword: e.MicrosoftAppPassword,
      appType: e.MicrosoftAppType,
      tenantId: e.MicrosoftAppTenantId,
    },
    logLevel: e.LOG_LEVEL,
    tabSso: tabSsoConfig(e),
  };
}

function tabSsoConfig(e: z.infer<typeof environmentSchema>): TabSsoConfig {
  const clientId = e.RUNSHEET_TAB_CLIENT_ID ?? e.MicrosoftAppId;
  const tenantId = e.RUNSHEET_TAB_TENANT_ID ?? e.MicrosoftAppTenantId;
  const appIdUri =
    e.RUNSHEET_TAB_APP_ID_URI ??
    (clientId && e.RUNSHEET_PUBLIC_HOSTNAME ? `api://${e.RUNSHEET_PUBLIC_HOSTNAME}/${clientId}` : undefined);
  return {
    clientId,
    tenantId,
    audiences: [appIdUri, clientId].filter((value): value is string => value !== undefined),
    jwksUrl:
      e.RUNSHEET_TAB_JWKS_URL ??
      (tenantId ? `https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys` : undefined),
  };
}
