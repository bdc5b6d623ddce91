/**
 * Structured logs (pino). Secrets and tokens are redacted wherever they appear in a logged object;
 * modules take child loggers carrying their context (iteration, step, job, conversation).
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Keys whose values are never logged, at the top level and one level down (`*.key`), plus the
 * places HTTP clients keep request headers in the errors they throw. URLs are logged through
 * `redactUrl` (src/observability/request-log.ts), which blanks secret query parameters.
 */
const SECRET_KEYS = [
  'password',
  'MicrosoftAppPassword',
  'appPassword',
  'GRAPH_CLIENT_SECRET',
  'clientSecret',
  'client_secret',
  'secret',
  'authorization',
  'Authorization',
  'cookie',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'assertion',
  'client_assertion',
  'databaseUrl',
  'DATABASE_URL',
];

export const REDACTED_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
  ...['authorization', 'Authorization', 'cookie'].flatMap((header) => [
    `headers.${header}`,
    `*.headers.${header}`,
    `err.config.headers.${header}`,
    `err.request.headers.${header}`,
    `err.response.config.headers.${header}`,
  ]),
];

/**
 * Creates the root logger; `destination` lets the CLI send logs to stderr, keeping stdout clean,
 * and tests read the lines from a stream.
 */
export function createLogger(level: string, destination: 1 | 2 | DestinationStream = 1): Logger {
  return pino(
    { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    typeof destination === 'number' ? pino.destination(destination) : destination,
  );
}
