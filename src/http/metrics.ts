import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per Herald instance (not prom-client's global), so several instances in one test
 * process do not share counters. Other modules register their metrics on `registry`.
 */
export function createMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'herald_' });
  return registry;
}

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
  app.get('/metrics', async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return (method, route, status, startedAt) =>
    count(method, route, status, (performance.now() - startedAt) / 1000);
}
