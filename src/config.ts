/**
 * The service's configuration: one zod schema over the environment, parsed once at start.
 * A bad or missing value stops the service with every problem listed, not only the first.
 * Every setting is documented in docs/configuration.md; keep the two in step.
 */
import path from 'node:path';
import { z } from 'zod';

// Operators often leave `NAME=` in env files; an empty value means "not set", not "empty string".
const optionalText = z.preprocess((value) => (value === '' ? undefined : value), z.string().optional());

/** A whole number of minutes or seconds, `min` or more, with a default when unset. */
const wholeNumber = (min: number, fallback: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(min).default(fallback));

/** Alerts and forecast (docs/time.md). */
const timeEnvironment = {
  RUNSHEET_ALERT_SCAN_SECONDS: wholeNumber(5, 60),
  RUNSHEET_ALERT_OVERRUN_GRACE_MINUTES: wholeNumber(0, 5),
  RUNSHEET_ALERT_READY_GRACE_MINUTES: wholeNumber(0, 15),
  RUNSHEET_ALERT_CHAPTER_GRACE_MINUTES: wholeNumber(0, 0),
  RUNSHEET_FORECAST_HOLD_MINUTES: wholeNumber(0, 30),
};

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
  RUNSHEET_INSTANCES: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(1).max(7).default(1),
  ),
  RUNSHEET_SHUTDOWN_GRACE_SECONDS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().min(0).max(600).default(25),
  ),
  ...timeEnvironment,
  LOG_LEVEL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  // Microsoft Graph (directory from Entra ID groups, mail). Off unless GRAPH_CLIENT_ID is set.
  GRAPH_TENANT_ID: optionalText,
  GRAPH_CLIENT_ID: optionalText,
  GRAPH_CLIENT_SECRET: optionalText,
  GRAPH_CERTIFICATE_PATH: optionalText,
  GRAPH_CERTIFICATE_THUMBPRINT: optionalText.refine(
    (value) => value === undefined || /^([0-9a-f]{40}|[0-9a-f]{64})$/i.test(value.replace(/:/g, '')),
    { message: 'must be the certificate hash in hex: 64 digits (SHA-256) or 40 (SHA-1)' },
  ),
  GRAPH_AUTHORITY_HOST: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.url({ protocol: /^https$/ }).default('https://login.microsoftonline.com'),
  ),
  GRAPH_BASE_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.url({ protocol: /^https$/ }).default('https://graph.microsoft.com/v1.0'),
  ),
  GRAPH_DIRECTORY_TTL_SECONDS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(30).max(86_400).default(300),
  ),
  RUNSHEET_PILOTS_GROUP_ID: optionalText.refine((value) => value === undefined || isGuid(value), {
    message: "must be the Entra ID object id (a GUID) of the pilots' group",
  }),
  RUNSHEET_MAILBOX: optionalText.refine(
    (value) => value === undefined || z.email().safeParse(value).success,
    { message: 'must be the SMTP address (or UPN) of the mailbox the mails are sent from' },
  ),
  RUNSHEET_PUBLIC_HOSTNAME: optionalText.refine(
    (value) => value === undefined || /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(value),
    { message: 'a host name such as runsheet.bank.example: no scheme, port or path' },
  ),
  RUNSHEET_ACTIONABLE_ORIGINATOR: optionalText.refine(
    (value) =>
      value === undefined || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value),
    { message: 'the provider id (a GUID) from the actionable email developer dashboard' },
  ),
  RUNSHEET_MAIL_BATCH_SECONDS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(0).max(3600).default(120),
  ),
  RUNSHEET_DIALOG_SECRET: optionalText.refine((value) => value === undefined || value.length >= 32, {
    message: 'at least 32 characters',
  }),
});

/** An Entra ID object id: 8-4-4-4-12 hex digits. */
export function isGuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** The app-only identity Runsheet calls Microsoft Graph with (client credentials). */
export type GraphCredential =
  | { kind: 'secret'; secret: string }
  /** A PEM file with the private key and (normally) its certificate; see docs/azure-setup.md. */
  | { kind: 'certificate'; path: string; thumbprint: string | undefined };

export interface GraphConfig {
  tenantId: string;
  clientId: string;
  credential: GraphCredential;
  /** Entra ID's sign-in host, e.g. https://login.microsoftonline.com (or a sovereign cloud's). */
  authorityHost: string;
  /** Graph's root including the version, e.g. https://graph.microsoft.com/v1.0. */
  baseUrl: string;
  /** How long a directory snapshot is used before it is read again from the groups. */
  directoryTtlSeconds: number;
  /** Entra ID group whose transitive members are the pilots. */
  pilotsGroupId: string;
  /** RUNSHEET_MAILBOX: the mailbox sendMail sends from. */
  mailbox: string;
}

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
  /** Microsoft Graph; undefined when GRAPH_CLIENT_ID is not set (local directory, local outbox). */
  graph: GraphConfig | undefined;
  /** The tab's Entra single sign-on; see TabSsoConfig. */
  tabSso: TabSsoConfig;
  /** How many service instances send to Teams at once; each keeps 1/instances of Teams' rate limits. */
  instances: number;
  /** At shutdown, how long in-flight jobs may take to finish before they are released, in ms. */
  shutdownGraceMs: number;
  /** The host name Teams and Outlook reach the service at (dialog URLs); undefined when not set. */
  publicHostname: string | undefined;
  mail: {
    /** The mailbox mails are sent from: RUNSHEET_MAILBOX (required with Graph), else runsheet@localhost. */
    from: string;
    /** The actionable-message provider id put in every emailed card's `originator`. */
    actionableOriginator: string | undefined;
    /** Status changes to one recipient within this many seconds go out as one mail. */
    batchSeconds: number;
  };
  /** Signs the activation dialog's tokens; undefined: a secret generated once and kept in the database. */
  dialogSecret: string | undefined;
  /** Alerts and forecast (docs/time.md). */
  time: TimeConfig;
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

export interface TimeConfig {
  /** How often the alert scan runs. */
  alertScanSeconds: number;
  /** A step in progress is late this long after its indicative duration. */
  overrunGraceMinutes: number;
  /** A ready step not started for this long raises an alert. */
  readyGraceMinutes: number;
  /** A chapter forecast to end this long after its planned end raises an alert. */
  chapterGraceMinutes: number;
  /** How long a hold is assumed to last in the forecast and in a hold's what-if. */
  holdForecastMinutes: number;
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
  problems.push(...graphProblems(given));
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
    graph:
      e.GRAPH_CLIENT_ID === undefined
        ? undefined
        : {
            tenantId: e.GRAPH_TENANT_ID!,
            clientId: e.GRAPH_CLIENT_ID,
            credential:
              e.GRAPH_CLIENT_SECRET !== undefined
                ? { kind: 'secret', secret: e.GRAPH_CLIENT_SECRET }
                : {
                    kind: 'certificate',
                    path: path.resolve(e.GRAPH_CERTIFICATE_PATH!),
                    thumbprint: e.GRAPH_CERTIFICATE_THUMBPRINT?.replace(/:/g, '').toUpperCase(),
                  },
            authorityHost: e.GRAPH_AUTHORITY_HOST.replace(/\/+$/, ''),
            baseUrl: e.GRAPH_BASE_URL.replace(/\/+$/, ''),
            directoryTtlSeconds: e.GRAPH_DIRECTORY_TTL_SECONDS,
            pilotsGroupId: e.RUNSHEET_PILOTS_GROUP_ID!,
            mailbox: e.RUNSHEET_MAILBOX!,
          },
    tabSso: tabSsoConfig(e),
    instances: e.RUNSHEET_INSTANCES,
    shutdownGraceMs: e.RUNSHEET_SHUTDOWN_GRACE_SECONDS * 1000,
    publicHostname: e.RUNSHEET_PUBLIC_HOSTNAME,
    mail: {
      from: e.RUNSHEET_MAILBOX ?? 'runsheet@localhost',
      actionableOriginator: e.RUNSHEET_ACTIONABLE_ORIGINATOR,
      batchSeconds: e.RUNSHEET_MAIL_BATCH_SECONDS,
    },
    dialogSecret: e.RUNSHEET_DIALOG_SECRET,
    time: {
      alertScanSeconds: e.RUNSHEET_ALERT_SCAN_SECONDS,
      overrunGraceMinutes: e.RUNSHEET_ALERT_OVERRUN_GRACE_MINUTES,
      readyGraceMinutes: e.RUNSHEET_ALERT_READY_GRACE_MINUTES,
      chapterGraceMinutes: e.RUNSHEET_ALERT_CHAPTER_GRACE_MINUTES,
      holdForecastMinutes: e.RUNSHEET_FORECAST_HOLD_MINUTES,
    },
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

/** The rules across the Graph settings: all or nothing, one credential, one directory source. */
function graphProblems(given: (name: string) => boolean): string[] {
  const problems: string[] = [];
  if (!given('GRAPH_CLIENT_ID')) {
    const orphans = [
      'GRAPH_TENANT_ID',
      'GRAPH_CLIENT_SECRET',
      'GRAPH_CERTIFICATE_PATH',
      'GRAPH_CERTIFICATE_THUMBPRINT',
      'RUNSHEET_PILOTS_GROUP_ID',
    ].filter(given);
    if (orphans.length > 0) {
      problems.push(
        `GRAPH_CLIENT_ID: required when ${orphans.join(', ')} ${orphans.length > 1 ? 'are' : 'is'} set`,
      );
    }
    return problems;
  }
  for (const name of ['GRAPH_TENANT_ID', 'RUNSHEET_PILOTS_GROUP_ID', 'RUNSHEET_MAILBOX']) {
    if (!given(name)) problems.push(`${name}: required when GRAPH_CLIENT_ID is set`);
  }
  const secret = given('GRAPH_CLIENT_SECRET');
  const certificate = given('GRAPH_CERTIFICATE_PATH');
  if (secret === certificate) {
    problems.push(
      secret
        ? 'GRAPH_CLIENT_SECRET, GRAPH_CERTIFICATE_PATH: set one credential, not both'
        : 'GRAPH_CLIENT_SECRET or GRAPH_CERTIFICATE_PATH: one is required when GRAPH_CLIENT_ID is set',
    );
  }
  if (given('GRAPH_CERTIFICATE_THUMBPRINT') && !certificate) {
    problems.push('GRAPH_CERTIFICATE_THUMBPRINT: only used with GRAPH_CERTIFICATE_PATH');
  }
  if (given('RUNSHEET_DIRECTORY')) {
    problems.push(
      'RUNSHEET_DIRECTORY: not used when GRAPH_CLIENT_ID is set (the directory comes from Entra ID); unset one of them',
    );
  }
  return problems;
}
