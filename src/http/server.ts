import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { Database } from '../db/schema';
import type { IncidentService } from '../incidents/incident.service';
import type { Logger } from '../shared/logger';
import { registerIncidentRoutes } from './api/incidents';
import { requireToken } from './auth';
import { installErrorHandler } from './errors';
import { registerHealthRoutes } from './health';
import { instrumentHttp } from './metrics';

export interface ServerDeps {
  logger: Logger;
  db: Kysely<Database>;
  incidents: IncidentService;
  metrics: Registry;
  apiToken: string | undefined;
  /** Feature modules' routes (Slack, status pages, hooks); each does its own auth. */
  routes?: ReadonlyArray<(app: FastifyInstance) => Promise<void> | void>;
  /** Largest accepted request body; alert hooks may raise it per route. */
  bodyLimit?: number;
}

export const DEFAULT_BODY_LIMIT = 256 * 1024;

/** The one HTTP server: API, health, metrics; later Slack, status pages and alert hooks. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 1000 }, // signed tokens travel in path parameters (ack links)
  });
  installErrorHandler(app);
  instrumentHttp(app, deps.metrics);
  registerHealthRoutes(app, deps.db);

  await app.register(async (api) => {
    api.addHook('onRequest', async (req) => requireToken(req, deps.apiToken, 'the API'));
    registerIncidentRoutes(api, deps.incidents);
  });
  for (const routes of deps.routes ?? []) await app.register(async (scope) => routes(scope));
  return app;
}
