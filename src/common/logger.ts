import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may hold secrets anywhere in a logged object. pino's redaction is applied at
 * serialisation time, so a secret handed to the logger by mistake still never reaches the output.
 */
export const REDACT_PATHS = [
  'password',
  'token',
  'secret',
  'authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.authToken',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.apiToken',
  '*.metricsToken',
  '*.routingKey',
  '*.databaseUrl',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
];

/** Herald's logger; `destination` is for tests that read what was logged (default: stdout). */
export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}
