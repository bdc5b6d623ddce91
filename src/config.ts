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
  LOG_LEVEL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  RUNSHEET_PUBLIC_HOSTNAME: optionalText.refine(
    (value) => value === undefined || /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(value),
    { message: 'a host name such as runsheet.bank.example: no scheme, port or path' },
  ),
  RUNSHEET_MAIL_FROM: optionalText.refine((value) => value === undefined || /^[^\s@]+@[^\s@]+$/.test(value), {
    message: 'an email address (the cutover mailbox)',
  }),
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
  /** The host name Teams and Outlook reach the service at (dialog URLs); undefined when not set. */
  publicHostname: string | undefined;
  mail: {
    /** The mailbox mails are sent from. */
    from: string;
    /** The actionable-message provider id put in every emailed card's `originator`. */
    actionableOriginator: string | undefined;
    /** Status changes to one recipient within this many seconds go out as one mail. */
    batchSeconds: number;
  };
  /** Signs the activation dialog's tokens; undefined: a secret generated once and kept in the database. */
  dialogSecret: string | undefined;
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
    publicHostname: e.RUNSHEET_PUBLIC_HOSTNAME,
    mail: {
      from: e.RUNSHEET_MAIL_FROM ?? 'runsheet@localhost',
      actionableOriginator: e.RUNSHEET_ACTIONABLE_ORIGINATOR,
      batchSeconds: e.RUNSHEET_MAIL_BATCH_SECONDS,
    },
    dialogSecret: e.RUNSHEET_DIALOG_SECRET,
  };
}
