import Fastify, { type FastifyBaseLogger } from 'fastify';
import { ManualClock } from '../../src/common/clock';
import { createPool, kyselyFor } from '../../src/db/connect';
import { registerHealthRoutes } from '../../src/http/health';
import { startGaugeRefresh } from '../../src/http/metrics';
import type { RunningHerald } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';
import { call, startTestServer } from '../support/http';
import { captureLogs } from '../support/logs';

const API_TOKEN = 'ops-api-token-0123456789';
const METRICS_TOKEN = 'ops-metrics-token-0123456789';
const clock = new ManualClock('2026-11-26T12:00:00Z');
let t: TestDatabase;
let herald: RunningHerald;

const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

beforeAll(async () => {
  t = await createTestDatabase();
  herald = await startTestHerald({
    databaseUrl: t.url,
    clock,
    mode: 'web',
    env: {
      HOST: '0.0.0.0', // the admin listener must not follow it
      HERALD_API_TOKEN: API_TOKEN,
      HERALD_METRICS_TOKEN: METRICS_TOKEN,
      HERALD_ADMIN_PORT: '0',
    },
  });
});
afterAll(async () => {
  await herald.stop();
  await t.drop();
});

const publicUrl = (): string => (herald.url ?? '').replace('0.0.0.0', '127.0.0.1');
const adminUrl = (): string => herald.adminUrl ?? 'no admin listener';

describe('/metrics on the public listener', () => {
  it('needs HERALD_METRICS_TOKEN when it is set (the API token is not enough)', async () => {
    const anonymous = await call(`${publicUrl()}/metrics`);
    expect([anonymous.status, errorOf(anonymous.body).code]).toEqual([401, 'Unauthorized']);
    expect((await call(`${publicUrl()}/metrics`, { token: API_TOKEN })).status).toBe(401);
    const scraped = await call(`${publicUrl()}/metrics`, { token: METRICS_TOKEN });
    expect(scraped.status).toBe(200);
    expect(scraped.body).toMatch(/^herald_mtta_seconds /m);
  });

  it('falls back to the API token, and without either answers 401 naming the variables', async () => {
    const withApi = await startTestServer({ db: t.db, clock, apiToken: API_TOKEN });
    const closed = await startTestServer({ db: t.db, clock });
    try {
      expect((await call(`${withApi.url}/metrics`)).status).toBe(401);
      expect((await call(`${withApi.url}/metrics`, { token: API_TOKEN })).status).toBe(200);
      const refused = await call(`${closed.url}/metrics`, { token: 'anything-at-all' });
      expect(refused.status).toBe(401);
      expect(errorOf(refused.body)).toEqual({
        code: 'Unauthorized',
        message:
          '/metrics needs a token: set HERALD_METRICS_TOKEN (or HERALD_API_TOKEN), or scrape the admin listener (HERALD_ADMIN_PORT)',
      });
    } finally {
      await withApi.close();
      await closed.close();
    }
  });
});

describe('the admin listener (HERALD_ADMIN_PORT)', () => {
  it('listens on 127.0.0.1 whatever HOST says, and serves /metrics without a token', async () => {
    expect(herald.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    expect(adminUrl()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(adminUrl()).not.toBe(publicUrl());
    const scraped = await call(`${adminUrl()}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.body).toMatch(/^herald_deliveries_by_status|^herald_mttr_seconds /m);
    // It serves only operations: no API, no status page.
    expect((await call(`${adminUrl()}/api/v1/incidents`, { token: API_TOKEN })).status).toBe(404);
  });

  it('says why it is (not) ready; the public /readyz says only ready', async () => {
    const pub = await call(`${publicUrl()}/readyz`);
    expect([pub.status, pub.body]).toEqual([200, { status: 'ready' }]);
    const admin = await call(`${adminUrl()}/readyz`);
    expect([admin.status, admin.body]).toEqual([
      200,
      { status: 'ready', database: 'ok', pending_migrations: [] },
    ]);
  });
});

describe('database-derived gauges', () => {
  it('are computed by the refresh, never by a scrape', async () => {
    const api = (path: string, json?: unknown) =>
      call(`${publicUrl()}/api/v1/incidents${path}`, { token: API_TOKEN, json, method: 'POST' });
    const created = await api('', { title: 'Checkout down', severity: 'low', services: ['checkout'] });
    expect(created.status).toBe(201);
    const ref = (created.body as { ref: string }).ref;
    clock.advance({ minutes: 4 });
    expect((await api(`/${ref}/acknowledge`)).status).toBe(200);
    clock.advance({ minutes: 6 });
    expect((await api(`/${ref}/resolve`, {})).status).toBe(200);

    const scrape = async () => String((await call(`${adminUrl()}/metrics`)).body);
    // Refreshed once at start, before any incident: scrapes keep showing that, however many.
    for (let i = 0; i < 3; i++) expect(await scrape()).toMatch(/^herald_mtta_seconds NaN$/im);
    await herald.refreshMetrics();
    const after = await scrape();
    expect(after).toMatch(/^herald_mtta_seconds 240$/m);
    expect(after).toMatch(/^herald_mttr_seconds 600$/m);
  });

  it('are refreshed on the timer, and the timer stops', async () => {
    jest.useFakeTimers();
    try {
      let runs = 0;
      const refresh = startGaugeRefresh([async () => void runs++], 15_000, (err) => {
        throw err;
      });
      await jest.advanceTimersByTimeAsync(14_999);
      expect(runs).toBe(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(runs).toBe(1);
      await jest.advanceTimersByTimeAsync(30_000);
      expect(runs).toBe(3);
      await refresh.stop();
      await jest.advanceTimersByTimeAsync(60_000);
      expect(runs).toBe(3);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('/readyz with the database unreachable', () => {
  it('answers a bare 503 publicly, the reason on the admin listener and in the log', async () => {
    const logs = captureLogs('info');
    const pool = createPool('postgres://nobody@127.0.0.1:1/none', logs.logger, 1);
    const db = kyselyFor(pool);
    const apps = [false, true].map((detailed) => {
      const app = Fastify({ loggerInstance: logs.logger as FastifyBaseLogger });
      registerHealthRoutes(app, db, { detailed });
      return app;
    });
    try {
      const [pub, admin] = await Promise.all(
        apps.map(async (app) => call(`${await app.listen({ port: 0, host: '127.0.0.1' })}/readyz`)),
      );
      expect([pub?.status, pub?.body]).toEqual([503, { status: 'unavailable' }]);
      expect([admin?.status, admin?.body]).toEqual([503, { status: 'unavailable', database: 'unreachable' }]);
      expect(logs.text()).toContain('readiness: database unreachable');
    } finally {
      await Promise.all(apps.map((app) => app.close()));
      await db.destroy();
    }
  });
});
