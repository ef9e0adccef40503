import type { RunningHerald } from '../../src/main';
import { ManualClock } from '../../src/common/clock';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';
import { call } from '../support/http';
import { CONFIG_YAML } from './support/harness';
import { missing } from './support/markup';

/** Polls (at most ~10 s) until `done` holds; returns the last value either way. */
async function eventually<T>(get: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  let value = await get();
  for (let i = 0; i < 400 && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 25));
    value = await get();
  }
  return value;
}

/** The status page as the composition root wires it (src/main.ts), driven over the REST API. */
const TOKEN = 'app-test-token-0123456789';
let t: TestDatabase;
let herald: RunningHerald;
const clock = new ManualClock('2026-11-26T12:00:00Z');

beforeAll(async () => {
  t = await createTestDatabase();
  herald = await startTestHerald({
    databaseUrl: t.url,
    clock,
    configYaml: CONFIG_YAML,
    env: { HERALD_API_TOKEN: TOKEN },
    mode: 'web',
  });
});
afterAll(async () => {
  await herald.stop();
  await t.drop();
});

describe('status page in the whole app', () => {
  it('serves the pages and follows an incident declared through the REST API', async () => {
    const url = herald.url ?? '';
    const before = await call(`${url}/api/v2/status.json`);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ status: { indicator: 'none' } });
    expect((await fetch(`${url}/`)).status).toBe(200);

    const created = await call(`${url}/api/v1/incidents`, {
      token: TOKEN,
      json: { title: 'Search is down', severity: 'critical', services: ['api'] },
    });
    expect(created.status).toBe(201);
    // The web process hears of it through NOTIFY and re-renders each cached document in the
    // background (serving the previous bytes meanwhile), so poll each one.
    const status = await eventually(
      async () => (await call(`${url}/api/v2/status.json`)).body,
      (b) => JSON.stringify(b).includes('critical'),
    );
    expect(status).toMatchObject({ status: { indicator: 'critical', description: 'Major System Outage' } });
    const page = await eventually(
      async () => (await fetch(`${url}/`)).text(),
      (p) => p.includes('Search is down'),
    );
    expect(missing(page, 'Search is down', 'Major outage')).toEqual([]);
  });
});
