import { ManualClock } from '../../src/common/clock';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { call, startTestServer, type TestServer } from '../support/http';

const TOKEN = 'test-token-0123456789abcdef';
let t: TestDatabase;
let s: TestServer;
const clock = new ManualClock('2026-11-26T12:00:00Z');

beforeAll(async () => {
  t = await createTestDatabase();
  s = await startTestServer({ db: t.db, clock, apiToken: TOKEN, services: ['api', 'checkout'] });
});
afterAll(async () => {
  await s.close();
  await t.drop();
});

const api = (path: string, init: Parameters<typeof call>[1] = {}) =>
  call(`${s.url}/api/v1${path}`, { token: TOKEN, ...init });
type Obj = Record<string, unknown>;
const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

async function countRows(): Promise<{ incidents: number; events: number }> {
  const i = await t.db
    .selectFrom('incidents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const e = await t.db
    .selectFrom('incident_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return { incidents: Number(i.n), events: Number(e.n) };
}

describe('incident API', () => {
  it('declares, reads, updates, acknowledges, escalates, resolves and reopens', async () => {
    const created = await api('/incidents', {
      json: { title: 'Checkout failing', severity: 'critical', services: ['checkout'], impact: 'No orders' },
    });
    expect(created.status).toBe(201);
    const inc = created.body as Obj;
    expect(inc).toMatchObject({
      title: 'Checkout failing',
      severity: 'critical',
      status: 'investigating',
      services: ['checkout'],
      impact: 'No orders',
      description: '',
      commander: null,
      acknowledged_by: null,
      acknowledged_at: null,
      started_at: '2026-11-26T12:00:00.000Z',
      resolved_at: null,
      updated_at: '2026-11-26T12:00:00.000Z',
      // People declare in their own words: public at once, under the title, unless private.
      public_title: 'Checkout failing',
      published: true,
      published_at: '2026-11-26T12:00:00.000Z',
      published_by: 'api',
      private: false,
    });
    const ref = inc.ref as string;
    expect(ref).toMatch(/^INC-\d+$/);

    clock.advance({ minutes: 2 });
    const ack = await api(`/incidents/${ref}/acknowledge`, {
      method: 'POST',
      headers: { 'x-herald-actor': 'alice' },
    });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({
      acknowledged_by: 'api:alice',
      acknowledged_at: '2026-11-26T12:02:00.000Z',
    });
    const again = await api(`/incidents/${ref}/acknowledge`, { method: 'POST' });
    expect(again.body).toMatchObject({ acknowledged_by: 'api:alice', already_acknowledged: true });

    const upd = await api(`/incidents/${ref}/updates`, {
      json: { status: 'identified', message: 'Bad config push', public_message: 'We found the cause.' },
    });
    expect(upd.status).toBe(201);
    expect(upd.body).toMatchObject({ status: 'identified' });

    expect(
      (await api(`/incidents/${ref.toLowerCase()}/escalate`, { json: { message: 'need DBA' } })).status,
    ).toBe(200);
    clock.advance({ minutes: 30 });
    const res = await api(`/incidents/${ref}/resolve`, {
      json: { message: 'Reverted', root_cause: 'config push' },
    });
    expect(res.body).toMatchObject({
      status: 'resolved',
      resolved_at: '2026-11-26T12:32:00.000Z',
      root_cause: 'config push',
    });
    expect((await api(`/incidents/${ref}/reopen`, { method: 'POST' })).body).toMatchObject({
      status: 'investigating',
    });

    const read = await api(`/incidents/${ref}`);
    expect(read.status).toBe(200);
    const timeline = (read.body as { timeline: Obj[] }).timeline;
    expect(timeline.map((e) => e.kind)).toEqual([
      'declared',
      'acknowledged',
      'status_changed',
      'escalated',
      'resolved',
      'reopened',
    ]);
    expect(timeline[2]).toMatchObject({ public_message: 'We found the cause.', message: 'Bad config push' });
  });

  it('lists incidents, open only on request', async () => {
    const a = (await api('/incidents', { json: { title: 'Open one', severity: 'low', services: [] } }))
      .body as Obj;
    const b = (await api('/incidents', { json: { title: 'Closed one', severity: 'low', services: [] } }))
      .body as Obj;
    await api(`/incidents/${b.ref as string}/resolve`, { method: 'POST', json: {} });
    const open = (await api('/incidents?status=open&severity=low')).body as { incidents: Obj[] };
    expect(open.incidents.map((i) => i.ref)).toEqual([a.ref]);
    const all = (await api('/incidents?severity=low')).body as { incidents: Obj[] };
    expect(all.incidents.map((i) => i.ref)).toEqual([b.ref, a.ref]);
  });

  describe('bad input gets a 4xx JSON error naming the problem and changes nothing', () => {
    const cases: Array<[string, Parameters<typeof call>[1] & { path?: string }, number, string, RegExp]> = [
      ['missing title', { json: { severity: 'high', services: [] } }, 400, 'Validation', /title/],
      [
        'unknown severity',
        { json: { title: 'x', severity: 'urgent', services: [] } },
        400,
        'Validation',
        /severity: must be one of critical/,
      ],
      [
        'unknown field',
        { json: { title: 'x', severity: 'low', services: [], colour: 'red' } },
        400,
        'Validation',
        /colour/,
      ],
      [
        'title of 10,000 characters',
        { json: { title: 'x'.repeat(10_000), severity: 'low', services: [] } },
        400,
        'Validation',
        /title: must be at most 200/,
      ],
      [
        'private not a boolean',
        { json: { title: 'x', severity: 'low', services: [], private: 'yes' } },
        400,
        'Validation',
        /private: must be true or false/,
      ],
      [
        'empty public title',
        { json: { title: 'x', severity: 'low', services: [], public_title: ' ' } },
        400,
        'Validation',
        /public_title: must not be empty/,
      ],
      [
        'services not a list',
        { json: { title: 'x', severity: 'low', services: 'api' } },
        400,
        'Validation',
        /services/,
      ],
      [
        'unknown service',
        { json: { title: 'x', severity: 'low', services: ['billing'] } },
        400,
        'Validation',
        /unknown service "billing"/,
      ],
      [
        'invalid JSON',
        { raw: '{"title": ', headers: { 'content-type': 'application/json' } },
        400,
        'Validation',
        /JSON/i,
      ],
      ['a JSON array', { json: [1, 2] }, 400, 'Validation', /expected object/],
      [
        'wrong content type',
        { raw: 'title=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        415,
        'UnsupportedMediaType',
        /content-type/i,
      ],
      [
        'a body over the limit',
        {
          raw: JSON.stringify({
            title: 'x',
            severity: 'low',
            services: [],
            description: 'y'.repeat(300_000),
          }),
          headers: { 'content-type': 'application/json' },
        },
        413,
        'PayloadTooLarge',
        /too large/i,
      ],
      [
        'missing token',
        { json: { title: 'x', severity: 'low', services: [] }, token: '' },
        401,
        'Unauthorized',
        /missing credentials/,
      ],
      [
        'wrong token',
        { json: { title: 'x', severity: 'low', services: [] }, token: 'nope' },
        401,
        'Unauthorized',
        /invalid token/,
      ],
      [
        'unknown reference',
        { path: '/incidents/INC-999999/acknowledge', method: 'POST' },
        404,
        'NotFound',
        /INC-999999/,
      ],
      [
        'malformed reference',
        { path: '/incidents/DROP%20TABLE/acknowledge', method: 'POST' },
        400,
        'Validation',
        /not an incident reference/,
      ],
      ['bad list filter', { path: '/incidents?status=sleeping' }, 400, 'Validation', /status/],
      [
        'update without message',
        { path: '/incidents/INC-1/updates', json: { status: 'identified' } },
        400,
        'Validation',
        /message/,
      ],
    ];

    it.each(cases)('%s', async (_name, init, status, code, message) => {
      const before = await countRows();
      const r = await api(init.path ?? '/incidents', init);
      expect(r.status).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/application\/json/);
      expect(errorOf(r.body).code).toBe(code);
      expect(errorOf(r.body).message).toMatch(message);
      expect(await countRows()).toEqual(before);
    });

    it('an invalid transition is a 409 with the reason', async () => {
      const inc = (await api('/incidents', { json: { title: 'x', severity: 'low', services: [] } }))
        .body as Obj;
      await api(`/incidents/${inc.ref as string}/resolve`, { json: {} });
      const before = await countRows();
      const r = await api(`/incidents/${inc.ref as string}/resolve`, { json: {} });
      expect(r.status).toBe(409);
      expect(errorOf(r.body)).toEqual({ code: 'InvalidTransition', message: 'incident is already resolved' });
      expect(await countRows()).toEqual(before);
    });
  });

  it('refuses everything when no API token is configured', async () => {
    const closed = await startTestServer({ db: t.db, clock });
    try {
      const r = await call(`${closed.url}/api/v1/incidents`, { token: 'anything' });
      expect(r.status).toBe(401);
      expect(errorOf(r.body).message).toMatch(/HERALD_API_TOKEN/);
    } finally {
      await closed.close();
    }
  });

  it('serves health and a bare readiness without a token, metrics only with one', async () => {
    expect((await call(`${s.url}/healthz`)).body).toEqual({ status: 'ok' });
    const ready = await call(`${s.url}/readyz`);
    expect([ready.status, ready.body]).toEqual([200, { status: 'ready' }]);
    const anonymous = await call(`${s.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(errorOf(anonymous.body)).toEqual({
      code: 'Unauthorized',
      message: 'missing credentials: send Authorization: Bearer <token>',
    });
    expect((await call(`${s.url}/metrics`, { token: 'not-the-token' })).status).toBe(401);
    const m = await call(`${s.url}/metrics`, { token: TOKEN });
    expect(m.status).toBe(200);
    expect(m.body).toMatch(
      /herald_http_requests_total\{method="POST",route="\/api\/v1\/incidents",status="201"\} \d+/,
    );
    const unknown = await call(`${s.url}/nowhere`);
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown.body).code).toBe('NotFound');
  });
});
