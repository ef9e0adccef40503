import fs from 'node:fs';
import path from 'node:path';
import type { RunningHerald } from '../../src/main';
import { ManualClock } from '../../src/common/clock';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';
import { call } from '../support/http';

/**
 * The whole of Herald (composition root, every module, worker) with an Alertmanager integration
 * in herald.yml: an alert opens an incident that the rest of Herald treats like a declared one.
 */
const TOKEN = 'e2e-alertmanager-token-0123';
const yaml = fs
  .readFileSync(path.resolve(__dirname, '../../herald.example.yml'), 'utf8')
  .replace(
    /^integrations: \[\]$/m,
    `integrations:\n  - id: prometheus\n    type: alertmanager\n    token: ${TOKEN}\n`,
  );
const firing = fs.readFileSync(path.join(__dirname, '../fixtures/ingest/alertmanager-firing.json'), 'utf8');
const resolved = fs.readFileSync(
  path.join(__dirname, '../fixtures/ingest/alertmanager-resolved.json'),
  'utf8',
);

let t: TestDatabase;
let herald: RunningHerald;
const clock = new ManualClock('2026-11-26T21:27:00Z');

beforeAll(async () => {
  t = await createTestDatabase();
  herald = await startTestHerald({
    databaseUrl: t.url,
    clock,
    configYaml: yaml,
    env: { HERALD_API_TOKEN: 'api-token-0123456789abcdef' },
  });
});
afterAll(async () => {
  await herald?.stop();
  await t.drop();
});

describe('alerts through the whole of Herald', () => {
  it('opens an incident the API lists, with the deliveries a declaration plans, and resolves it', async () => {
    const hook = `${herald.url}/hooks/alertmanager`;
    const res = await call(hook, {
      token: TOKEN,
      raw: firing,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    const ref = (res.body as { incident: string }).incident;

    const api = await call(`${herald.url}/api/v1/incidents/${ref}`, { token: 'api-token-0123456789abcdef' });
    expect(api.status).toBe(200);
    expect(api.body).toMatchObject({
      ref,
      severity: 'critical',
      services: ['checkout'],
      status: 'investigating',
    });

    // The notification rules ran inside the declaration, as they do for a person's.
    const deliveries = await t.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('incident_id', '=', Number(ref.slice(4)))
      .executeTakeFirstOrThrow();
    expect(Number(deliveries.n)).toBeGreaterThan(0);

    clock.advance({ minutes: 3 });
    await call(hook, { token: TOKEN, raw: resolved, headers: { 'content-type': 'application/json' } });
    const after = await call(`${herald.url}/api/v1/incidents/${ref}`, {
      token: 'api-token-0123456789abcdef',
    });
    expect(after.body).toMatchObject({ status: 'resolved' });
  });
});
