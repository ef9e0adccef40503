import pino, { type DestinationStream, type Logger } from 'pino';
import { redactSecrets } from './redact';

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

/** The request as fastify's request log shows it, with the URL's secrets redacted. */
interface LoggedRequest {
  method?: string;
  url?: string;
  headers?: Record<string, unknown>;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * Replaces fastify's `req` serializer (a logger's own serializers win over fastify's): the same
 * fields, but `url` through {@link redactSecrets}.
 */
function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactSecrets(req.url) : req.url,
    version: req.headers?.['accept-version'],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * Herald's logger. Secrets are kept out twice: known fields by `redact` paths, and every
 * serialised line passes through {@link redactSecrets} (`hooks.streamWrite`), so a token in a URL
 * is redacted wherever it appears: `req.url`, an error message, a stack, a log message.
 * `destination` is for tests that read what was logged (default: stdout).
 */
export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { req: serializeRequest },
      hooks: { streamWrite: redactSecrets },
    },
    destination,
  );
}
