import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from '../db/connect';
import { HTTP_STATUS, isHeraldError, type ErrorCode } from '../common/errors';

/** Seconds a client is asked to wait when the database is unavailable (a restart takes a few). */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

/** fastify's own 4xx errors (bad JSON, too large, wrong media type) mapped to Herald codes. */
function codeForStatus(status: number): ErrorCode {
  if (status === 413) return 'PayloadTooLarge';
  if (status === 415) return 'UnsupportedMediaType';
  if (status === 401) return 'Unauthorized';
  if (status === 404) return 'NotFound';
  return 'Validation';
}

/**
 * The one error boundary of the HTTP edge: every error becomes `{error: {code, message}}`.
 * Coded errors and fastify's client errors keep their message; anything else is a bug, logged
 * with its stack under a reference id that is the only thing the caller sees. A database that
 * cannot be reached (restarting, down) is not a bug: 503 with Retry-After, and the process carries
 * on; the pool reconnects by itself once PostgreSQL is back.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isHeraldError(err)) {
      const status = HTTP_STATUS[err.code];
      if (status >= 500) req.log.error({ err }, 'server-side coded error');
      const details = err.details?.issues ? { issues: err.details.issues } : {};
      const retryAfter = err.details?.retryAfterSeconds;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      return reply.code(status).send({ error: { code: err.code, message: err.message, ...details } });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const message =
        status === 415
          ? `unsupported content-type "${String(req.headers['content-type'] ?? '').slice(0, 100)}": send application/json`
          : err.message;
      return reply.code(status).send({ error: { code: codeForStatus(status), message } });
    }
    if (isDatabaseUnavailable(err)) {
      req.log.warn({ err: err.message }, 'database unavailable');
      return reply
        .code(503)
        .header('retry-after', String(UNAVAILABLE_RETRY_AFTER_S))
        .send({
          error: {
            code: 'Unavailable' satisfies ErrorCode,
            message: 'the database is unavailable; retry shortly',
          },
        });
    }
    const reference = randomUUID();
    req.log.error({ err, reference }, 'unhandled error');
    return reply
      .code(500)
      .send({ error: { code: 'Internal', message: `internal error (reference ${reference})` } });
  });

  app.setNotFoundHandler((req, reply) => {
    reply
      .code(404)
      .send({ error: { code: 'NotFound', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });
}
