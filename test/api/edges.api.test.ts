import { ManualClock } from '../../src/common/clock';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { call, startTestServer, type TestServer } from '../support/http';

/**
 * Issue "Pages first": text PostgreSQL cannot store (NUL) or that is not Unicode (a lone
 * surrogate), and JSON nested without bound, are refused at the API's edge with 400 naming the
 * field, before anything is written. On main, a NUL in a title answered 500.
 */
const TOKEN = 'edges-api-token-0123456789abcdef';
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
const errorOf = (body: unknown) =>
  (body as { error: { code: string; message: string; issues?: unknown } }).error;

async function rows(): Promise<string> {
  const r = await t.pool.query<{ v: string }>(
    `select (select count(*) from incidents) || '/' || (select count(*) from incident_events) as v`,
  );
  return r.rows[0]!.v;
}

const valid = { title: 'Checkout failing', severity: 'high', services: ['checkout'] };

describe('NUL and lone surrogates at the API edge', () => {
  let before: string;
  beforeEach(async () => {
    before = await rows();
  });
  afterEach(async () => {
    expect(await rows()).toBe(before);
  });

  it('a NUL in the title of a declaration: 400 naming the field (was 500)', async () => {
    const r = await api('/incidents', { json: { ...valid, title: 'Checkout\u0000 failing' } });
    expect(r.status).toBe(400);
    expect(errorOf(r.body)).toEqual({
      code: 'Validation',
      message: 'invalid body: title: contains a NUL character',
      issues: [{ path: 'title', message: 'contains a NUL character' }],
    });
  });

  it('a lone surrogate anywhere in a body, array items included', async () => {
    const high = await api('/incidents', { json: { ...valid, description: 'broken \ud83d here' } });
    expect(high.status).toBe(400);
    expect(errorOf(high.body).message).toBe(
      'invalid body: description: contains a lone UTF-16 surrogate (not valid Unicode)',
    );
    const low = await api('/incidents', { json: { ...valid, services: ['checkout', '\udc00api'] } });
    expect(low.status).toBe(400);
    expect(errorOf(low.body).message).toBe(
      'invalid body: services[1]: contains a lone UTF-16 surrogate (not valid Unicode)',
    );
  });

  it('a NUL in a key, in an update, in a query string and in a path parameter', async () => {
    const key = await api('/incidents', { json: { ...valid, ['ti\u0000tle']: 'x' } });
    expect(key.status).toBe(400);
    expect(errorOf(key.body).message).toBe('invalid body: a key contains a NUL character');
    const update = await api('/incidents/INC-1/updates', { json: { message: 'a\u0000b' } });
    expect(update.status).toBe(400);
    expect(errorOf(update.body).message).toBe('invalid body: message: contains a NUL character');
    const query = await api('/incidents?service=%00');
    expect(query.status).toBe(400);
    expect(errorOf(query.body).message).toBe('invalid query: service: contains a NUL character');
    const param = await api('/incidents/INC-%00/acknowledge', { json: {} });
    expect(param.status).toBe(400);
    expect(errorOf(param.body).message).toBe('invalid path: ref: contains a NUL character');
  });

  it('checks credentials first: without a token a poisoned request is 401', async () => {
    const r = await call(`${s.url}/api/v1/incidents`, { json: { ...valid, title: '\u0000' } });
    expect(r.status).toBe(401);
  });
});

describe('JSON nesting at the API edge', () => {
  it('refuses a body nested deeper than 32 levels before parsing it, 400 naming the problem', async () => {
    const before = await rows();
    const deep = `{"title":"x","severity":"high","services":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    const r = await api('/incidents', { raw: deep, headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(errorOf(r.body)).toEqual({
      code: 'Validation',
      message: 'invalid body: JSON nested deeper than 32 levels',
    });
    // Brackets inside strings are text, not nesting; a surrogate pair (an emoji) is fine.
    const text = await api('/incidents', { json: { ...valid, title: `🔥 ${'[[[{{{\\"'.repeat(20)}` } });
    expect(text.status).toBe(201);
    expect((text.body as { title: string }).title.startsWith('🔥 [[[{{{\\"')).toBe(true);
    expect(await rows()).not.toBe(before);
  });

  it('still refuses prototype poisoning and malformed JSON as before', async () => {
    const proto = await api('/incidents', {
      raw: '{"title":"x","__proto__":{"admin":true}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(proto.status).toBe(400);
    const broken = await api('/incidents', {
      raw: '{"title":',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    expect(errorOf(broken.body).code).toBe('Validation');
  });
});
