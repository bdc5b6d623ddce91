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
  ...timeEnvironment,
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
  /** Alerts and forecast (docs/time.md). */
  time: TimeConfig;
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
    time: {
      alertScanSeconds: e.RUNSHEET_ALERT_SCAN_SECONDS,
      overrunGraceMinutes: e.RUNSHEET_ALERT_OVERRUN_GRACE_MINUTES,
      readyGraceMinutes: e.RUNSHEET_ALERT_READY_GRACE_MINUTES,
      chapterGraceMinutes: e.RUNSHEET_ALERT_CHAPTER_GRACE_MINUTES,
      holdForecastMinutes: e.RUNSHEET_FORECAST_HOLD_MINUTES,
    },
  };
}
