import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HeraldError } from '../common/errors';
import { repeat } from '../common/repeat';
import { matchesDigest, presentedToken, secretDigest } from './auth';

/**
 * One registry per Herald instance (not prom-client's global), so several instances in one test
 * process do not share counters. Other modules register their metrics on `registry`.
 */
export function createMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'herald_' });
  return registry;
}

/** How often database-derived gauges are recomputed (see {@link startGaugeRefresh}). */
export const GAUGE_REFRESH_MS = 15_000;

/** Counts one answered request: method, route label, status, and when it started (performance.now). */
export type HttpObserver = (method: string, route: string, status: number, startedAt: number) => void;

export function instrumentHttp(app: FastifyInstance, registry: Registry): HttpObserver {
  const requests = new Counter({
    name: 'herald_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'herald_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const count = (method: string, route: string, status: number, seconds: number): void => {
    requests.inc({ method, route, status: String(status) });
    duration.observe({ method, route }, seconds);
  };
  app.addHook('onResponse', async (req, reply) => {
    count(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  return (method, route, status, startedAt) =>
    count(method, route, status, (performance.now() - startedAt) / 1000);
}

/**
 * `GET /metrics`: serialises the registry, nothing more (database-derived gauges are refreshed on
 * a timer, so a scrape costs no query). `access` is the bearer token the public listener demands
 * (HERALD_METRICS_TOKEN, else HERALD_API_TOKEN; with neither, 401: delivery health and response
 * times are internal), or `'open'` on the loopback admin listener.
 */
export function registerMetricsRoute(
  app: FastifyInstance,
  registry: Registry,
  access: { token: string | undefined } | 'open',
): void {
  const expected = access === 'open' || access.token === undefined ? undefined : secretDigest(access.token);
  // One rendering shared by every scrape that arrives while it is under way: a flood of scrapes
  // (200 connections hammering it) costs one rendering at a time, not one each, so it cannot
  // starve the deliveries sharing the process. A scrape never gets a rendering older than itself
  // by more than the one in flight.
  let rendering: Promise<string> | undefined;
  const render = (): Promise<string> =>
    (rendering ??= registry.metrics().finally(() => {
      rendering = undefined;
    }));
  app.get('/metrics', async (req, reply) => {
    if (access !== 'open') {
      if (!expected)
        throw new HeraldError(
          'Unauthorized',
          '/metrics needs a token: set HERALD_METRICS_TOKEN (or HERALD_API_TOKEN), or scrape the admin listener (HERALD_ADMIN_PORT)',
        );
      const given = presentedToken(req);
      if (!given)
        throw new HeraldError('Unauthorized', 'missing credentials: send Authorization: Bearer <token>');
      if (!matchesDigest(secretDigest(given), expected))
        throw new HeraldError('Unauthorized', 'invalid token');
    }
    reply.header('cache-control', 'no-store').type(registry.contentType);
    return render();
  });
}

/** The database-derived gauges' refresh: on a timer, and on demand (start-up, tests). */
export interface GaugeRefresh {
  /** Runs every refresher once, now; rejects with the first failure (after all have run). */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs `refreshers` every `intervalMs` (0: never by itself, only through `refresh()`, which is
 * what tests use after moving their clock). A failed run is reported and the timer goes on.
 */
export function startGaugeRefresh(
  refreshers: ReadonlyArray<() => Promise<void>>,
  intervalMs: number,
  onError: (err: unknown) => void,
): GaugeRefresh {
  const refresh = async (): Promise<void> => {
    const results = await Promise.allSettled(refreshers.map((r) => r()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  const loop = intervalMs > 0 && refreshers.length > 0 ? repeat(intervalMs, refresh, onError) : undefined;
  return { refresh, stop: async () => loop?.stop() };
}
