import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { Database } from '../db/schema';
import type { Logger } from '../common/logger';
import { installErrorHandler } from './errors';
import { registerHealthRoutes } from './health';
import { registerMetricsRoute } from './metrics';

/** The admin listener's address: loopback only, whatever HOST says. */
export const ADMIN_HOST = '127.0.0.1';

/**
 * The optional admin listener (HERALD_ADMIN_PORT): `/metrics` without a token and `/readyz` with
 * its reason, for a scraper or probe on the same host. It is bound to 127.0.0.1 only (HOST is not
 * used), which is what makes answering without a token acceptable. It serves nothing else.
 */
export async function startAdminServer(deps: {
  logger: Logger;
  db: Kysely<Database>;
  metrics: Registry;
  port: number;
}): Promise<{ server: FastifyInstance; url: string }> {
  const server = Fastify({
    loggerInstance: deps.logger.child({ listener: 'admin' }) as FastifyBaseLogger,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  installErrorHandler(server);
  registerHealthRoutes(server, deps.db, { detailed: true });
  registerMetricsRoute(server, deps.metrics, 'open');
  await server.listen({ port: deps.port, host: ADMIN_HOST });
  const addr = server.server.address();
  // The address actually bound (not the constant), so what is reported is what is listening.
  const bound = addr && typeof addr === 'object' ? addr : { address: ADMIN_HOST, port: deps.port };
  return { server, url: `http://${bound.address}:${bound.port}` };
}
