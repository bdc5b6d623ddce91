/**
 * Structured logs (pino). Secrets and tokens are redacted wherever they appear in a logged object;
 * modules take child loggers carrying their context (iteration, step, job, conversation).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACTED_PATHS = [
  'password',
  '*.password',
  'MicrosoftAppPassword',
  '*.MicrosoftAppPassword',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'databaseUrl',
  '*.databaseUrl',
];

/** Creates the root logger; `destination` lets the CLI send logs to stderr, keeping stdout clean. */
export function createLogger(level: string, destination: 1 | 2 = 1): Logger {
  return pino(
    { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    pino.destination(destination),
  );
}
