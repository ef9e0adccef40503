import pg from 'pg';
import { call } from '../support/http';
import { count, METRICS_TOKEN, startHarness, TOKENS, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ options: { limits: { maxInFlight: 1, retryAfterSeconds: 2 } } });
});
afterAll(() => h.close());

const alert = (title: string) =>
  call(`${h.url}/hooks/generic`, { token: TOKENS.scripts, json: { title, dedup_key: 'held' } });

/** Waits (by polling PostgreSQL, not by time) until some backend is blocked on a lock. */
async function untilBlockedOnLock(client: pg.Client): Promise<void> {
  for (;;) {
    const r = await client.query(
      `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
    );
    if ((r.rows[0] as { n: number }).n > 0) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('backpressure', () => {
  it('answers 429 with Retry-After while the in-flight limit is reached, and recovers', async () => {
    expect((await alert('first')).status).toBe(200);
    // Hold the group's row so the next request for it stays in flight.
    const holder = new pg.Client({ connectionString: h.t.url });
    await holder.connect();
    await holder.query('begin');
    await holder.query(`select * from ingest_groups where group_key = 'held' for update`);
    const held = alert('second');
    await untilBlockedOnLock(holder);

    const rejected = await call(`${h.url}/hooks/generic`, {
      token: TOKENS.scripts,
      json: { title: 'third' },
    });
    expect(rejected.status).toBe(429);
    expect(rejected.headers.get('retry-after')).toBe('2');
    expect(rejected.body).toEqual({ error: { code: 'Overloaded', message: 'Herald is busy; retry in 2 s' } });
    const alertsWhileHeld = await count(h, 'ingest_alerts');

    await holder.query('commit');
    await holder.end();
    expect((await held).status).toBe(200);
    expect(alertsWhileHeld).toBe(1);
    const after = await call(`${h.url}/hooks/generic`, { token: TOKENS.scripts, json: { title: 'third' } });
    expect(after.status).toBe(200);
    expect(await count(h, 'ingest_alerts')).toBe(2);
    const metrics = (await call(`${h.url}/metrics`, { token: METRICS_TOKEN })).body as string;
    expect(metrics).toContain('herald_ingest_overloaded_total 1');
    expect(metrics).toContain('herald_ingest_alerts_total{integration="scripts",outcome="new"} 2');
  });

  it('still says 401, not 429, to a caller without a valid token', async () => {
    const res = await call(`${h.url}/hooks/generic`, { token: 'nope-nope-nope-nope', json: { title: 'x' } });
    expect(res.status).toBe(401);
  });
});
