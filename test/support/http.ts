import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema';
import { createMetrics } from '../../src/http/metrics';
import { buildServer } from '../../src/http/server';
import type { AuthThrottleOptions } from '../../src/http/throttle';
import { IncidentService } from '../../src/incidents/incident.service';
import type { Clock } from '../../src/common/clock';
import { testLogger } from './db';

export interface TestServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly incidents: IncidentService;
  close(): Promise<void>;
}

/** The real fastify server on 127.0.0.1 with a random port, over a test database. */
export async function startTestServer(opts: {
  db: Kysely<Database>;
  clock: Clock;
  apiToken?: string;
  services?: string[];
  authThrottle?: AuthThrottleOptions;
}): Promise<TestServer> {
  const incidents = new IncidentService({
    db: opts.db,
    clock: opts.clock,
    knownServices: new Set(opts.services ?? []),
  });
  const app = await buildServer({
    logger: testLogger,
    db: opts.db,
    incidents,
    metrics: createMetrics(),
    apiToken: opts.apiToken,
    clock: opts.clock,
    authThrottle: opts.authThrottle,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, app, incidents, close: () => app.close() };
}

export interface JsonResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

/** fetch with JSON in and out; `raw` sends the body as given (for malformed-input tests). */
export async function call(
  url: string,
  init: {
    method?: string;
    token?: string;
    json?: unknown;
    raw?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.raw !== undefined) {
    body = init.raw;
  }
  const res = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics); keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
