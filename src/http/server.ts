import http from 'node:http';
import { performance } from 'node:perf_hooks';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { Database } from '../db/schema';
import type { IncidentService } from '../incidents/incident.service';
import type { Logger } from '../common/logger';
import { assertCleanInput, assertJsonDepth } from '../common/input';
import { systemClock, type Clock } from '../common/clock';
import { registerIncidentRoutes } from './api/incidents';
import { requireToken } from './auth';
import { AuthThrottle, DEFAULT_AUTH_THROTTLE, type AuthThrottleOptions } from './throttle';
import { installErrorHandler } from './errors';
import { registerHealthRoutes } from './health';
import { instrumentHttp, registerMetricsRoute, type HttpObserver } from './metrics';

export interface ServerDeps {
  logger: Logger;
  db: Kysely<Database>;
  incidents: IncidentService;
  metrics: Registry;
  apiToken: string | undefined;
  /** Bearer token for `/metrics` (HERALD_METRICS_TOKEN); unset: `apiToken`; neither: 401. */
  metricsToken?: string | undefined;
  /** Feature modules' routes (Slack, status pages, hooks); each does its own auth. */
  routes?: ReadonlyArray<(app: FastifyInstance) => Promise<void> | void>;
  /** Largest accepted request body; alert hooks may raise it per route. */
  bodyLimit?: number;
  /** Answers tried before fastify's routing (see FastPath). */
  fastPaths?: readonly FastPath[];
  /** Time for the failed-auth throttle; default the system clock. */
  clock?: Clock;
  /** Failed-auth throttle per client address (herald.yml `auth_throttle`); default 20 per 60 s. */
  authThrottle?: AuthThrottleOptions;
  /**
   * Whose X-Forwarded-For to believe for `req.ip` (`http.trust_proxy`): false (default) takes
   * the socket's address; true, a hop count, or proxy addresses/CIDRs as fastify's `trustProxy`.
   */
  trustProxy?: boolean | number | readonly string[];
}

/**
 * A request answered straight from memory, in front of fastify: returns the route it served (the
 * metrics label) or undefined to let fastify handle the request as usual. For responses that are
 * already final bytes (the status pages' cache) under a load where fastify's per-request objects
 * and hooks would be most of the cost. A fast path must not need auth, a body or a log line.
 */
export type FastPath = (req: http.IncomingMessage, res: http.ServerResponse) => string | undefined;

export const DEFAULT_BODY_LIMIT = 256 * 1024;

/** The public HTTP server: API, health, metrics (with a token), Slack, status pages, alert hooks. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const fastPaths = deps.fastPaths ?? [];
  let observe: HttpObserver = () => undefined;
  // A hop count trusts the socket's peer and the hops before it, as Express does. fastify 5.12
  // ignores a bare number now (it cannot tell a proxy from a client that connects directly), so
  // it is given as the function; `http.trust_proxy` says to use it only when clients can reach
  // Herald through the proxies alone.
  const trusted = deps.trustProxy ?? false;
  const trustProxy =
    typeof trusted === 'number'
      ? (_address: string, hop: number) => hop < trusted
      : typeof trusted === 'boolean'
        ? trusted
        : [...trusted];
  const app = Fastify({
    serverFactory: (handler, opts) => {
      const server = http.createServer((req, res) => {
        const t0 = performance.now();
        for (const fast of fastPaths) {
          const route = fast(req, res);
          if (route !== undefined) return observe(req.method ?? 'GET', route, res.statusCode, t0);
        }
        handler(req, res);
      });
      // What fastify sets on the server it would have made itself.
      const ms = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
      server.keepAliveTimeout = ms(opts.keepAliveTimeout) ?? server.keepAliveTimeout;
      server.requestTimeout = ms(opts.requestTimeout) ?? server.requestTimeout;
      server.setTimeout(ms(opts.connectionTimeout) ?? 0);
      return server;
    },
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    return503OnClosing: true,
    trustProxy,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 1000 }, // signed tokens travel in path parameters (ack links)
  });
  installErrorHandler(app);
  guardInput(app);
  app.decorate(
    'authThrottle',
    new AuthThrottle(deps.clock ?? systemClock, deps.authThrottle ?? DEFAULT_AUTH_THROTTLE),
  );
  observe = instrumentHttp(app, deps.metrics);
  registerHealthRoutes(app, deps.db, { detailed: false });
  registerMetricsRoute(app, deps.metrics, { token: deps.metricsToken ?? deps.apiToken });

  await app.register(async (api) => {
    api.addHook('onRequest', async (req) => requireToken(req, deps.apiToken, 'the API'));
    registerIncidentRoutes(api, deps.incidents);
  });
  for (const routes of deps.routes ?? []) await app.register(async (scope) => routes(scope));
  return app;
}

/**
 * Input checks every route inherits (registered on the root, before any route): JSON bodies are
 * refused (400) when nested deeper than MAX_JSON_DEPTH, before they are parsed; then every parsed
 * body, query string and path parameter is refused (400, naming the field) when it holds a NUL
 * or a lone surrogate. Routes that parse bodies themselves (Slack's raw bytes, the SNS hook's
 * text/plain) do their own checks with the same functions.
 */
function guardInput(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    try {
      assertJsonDepth(body as string, 'body');
    } catch (err) {
      done(err as Error, undefined);
      return;
    }
    json(req, body as string, done);
  });
  app.addHook('preValidation', async (req) => {
    assertCleanInput(req.params, 'path');
    assertCleanInput(req.query, 'query');
    assertCleanInput(req.body, 'body');
  });
}
