import http from 'node:http';
import zlib from 'node:zlib';
import { ManualClock } from '../../src/common/clock';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { call } from '../support/http';
import { changed, get, startStatusPage, TOKEN, type Harness } from './support/harness';
import { missing } from './support/markup';

let t: TestDatabase;
let a: Harness; // two "web processes" on one database
let b: Harness;
const clock = new ManualClock('2026-11-26T12:00:00Z');

beforeAll(async () => {
  t = await createTestDatabase();
  a = await startStatusPage({ db: t, clock });
  b = await startStatusPage({ db: t, clock });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await t.drop();
});

/** GET without fetch's transparent decompression: the bytes as sent. */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      })
      .on('error', reject);
  });
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

describe('status page cache', () => {
  it('answers repeated requests from memory, with validators and 304s', async () => {
    const first = await get(`${a.url}/`);
    const etag = first.headers.get('etag');
    const lastModified = first.headers.get('last-modified');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{32}-(gz|br)"$/); // fetch accepts compression
    expect(lastModified).toBe('Thu, 26 Nov 2026 12:00:00 GMT');
    expect(first.headers.get('cache-control')).toBe('public, no-cache');

    const before = a.module.cache.stats;
    for (let i = 0; i < 50; i++) {
      const again = await get(`${a.url}/`);
      expect(again.headers.get('etag')).toBe(etag);
    }
    const json = await get(`${a.url}/api/v2/summary.json`);
    for (let i = 0; i < 20; i++) await get(`${a.url}/api/v2/summary.json`);
    // one render for summary.json, nothing else: no database read, no re-render of /
    expect(a.module.cache.stats).toEqual({ ...before, renders: before.renders + 1 });
    expect(json.headers.get('etag')).not.toBe(etag);

    const cached = await fetch(`${a.url}/`, { headers: { 'if-none-match': etag ?? '' } });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe('');
    expect(cached.headers.get('etag')).toBe(etag);
    const listed = await fetch(`${a.url}/`, { headers: { 'if-none-match': `"nope", W/${etag ?? ''}` } });
    expect(listed.status).toBe(304);
    const since = await fetch(`${a.url}/`, { headers: { 'if-modified-since': lastModified ?? '' } });
    expect(since.status).toBe(304);
    const stale = await fetch(`${a.url}/`, { headers: { 'if-none-match': '"other"' } });
    expect(stale.status).toBe(200);
    const head = await fetch(`${a.url}/api/v2/summary.json`, { method: 'HEAD' });
    expect([head.status, await head.text(), head.headers.get('etag')]).toEqual([
      200,
      '',
      json.headers.get('etag'),
    ]);
  });

  it('still counts its responses in the HTTP metrics (written directly, but through fastify)', async () => {
    await get(`${a.url}/api/v2/status.json`);
    const metrics = await get(`${a.url}/metrics`, { authorization: `Bearer ${TOKEN}` });
    expect(metrics.text).toMatch(
      /herald_http_requests_total\{method="GET",route="\/api\/v2\/status.json",status="200"\} [1-9]/,
    );
    expect(metrics.text).toMatch(/herald_http_requests_total\{method="GET",route="\/",status="304"\} [1-9]/);
  });

  it('sends the representation the client accepts, compressed once at render time', async () => {
    const identity = await rawGet(`${a.url}/`, { 'accept-encoding': 'identity' });
    expect(identity.headers['content-encoding']).toBeUndefined();
    const br = await rawGet(`${a.url}/`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(br.body).equals(identity.body)).toBe(true);
    expect(br.body.length).toBeLessThan(identity.body.length / 4);
    const gz = await rawGet(`${a.url}/`, { 'accept-encoding': 'br;q=0, gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).equals(identity.body)).toBe(true);
    expect(gz.headers.vary).toBe('accept-encoding');
    // one entity: the validator of any representation revalidates the others
    const etag = String(identity.headers.etag);
    expect([br.headers.etag, gz.headers.etag]).toEqual([
      etag.replace(/"$/, '-br"'),
      etag.replace(/"$/, '-gz"'),
    ]);
    const revalidated = await rawGet(`${a.url}/`, {
      'accept-encoding': 'gzip',
      'if-none-match': String(br.headers.etag),
    });
    expect(revalidated.status).toBe(304);
  });

  it('re-renders after a change through IncidentService, in this process and in another', async () => {
    const etagA = (await get(`${a.url}/`)).headers.get('etag');
    const etagB = (await get(`${b.url}/api/v2/summary.json`)).headers.get('etag');
    clock.advance({ minutes: 5 });
    const heardByB = b.nextChange();
    const inc = await changed(a, () =>
      a.incidents.declare(
        { title: 'Payments failing', severity: 'critical', services: ['checkout'] },
        'alice',
      ),
    );
    await heardByB;

    const pageA = await get(`${a.url}/`, { 'if-none-match': etagA ?? '' });
    expect(pageA.status).toBe(200);
    expect(pageA.headers.get('etag')).not.toBe(etagA);
    expect(pageA.headers.get('last-modified')).toBe('Thu, 26 Nov 2026 12:05:00 GMT');
    expect(missing(pageA.text, 'Payments failing', 'Major System Outage')).toEqual([]);

    const summaryB = await call(`${b.url}/api/v2/summary.json`, {
      headers: { 'if-none-match': etagB ?? '' },
    });
    expect(summaryB.status).toBe(200);
    expect((summaryB.body as { incidents: { id: string }[] }).incidents.map((i) => i.id)).toEqual([inc.ref]);

    // and the other way round: a maintenance window scheduled through B shows on A
    const heardByA = a.nextChange();
    await changed(b, () =>
      call(`${b.url}/api/v1/maintenances`, {
        token: TOKEN,
        json: {
          title: 'Cache flush',
          components: ['api'],
          starts_at: '2026-11-27T01:00:00Z',
          ends_at: '2026-11-27T02:00:00Z',
        },
      }),
    );
    await heardByA;
    expect(missing((await get(`${a.url}/`)).text, 'Cache flush')).toEqual([]);
  });

  it('does not invalidate for a change that rolled back (NOTIFY is delivered at commit)', async () => {
    const reasons: string[] = [];
    const record = (reason: string) => reasons.push(reason);
    a.module.cache.on('invalidated', record);
    const boom = new Error('subscriber failed');
    const failing = async () => {
      throw boom;
    };
    a.incidents.subscribe(failing); // runs after the status page's subscriber, inside the transaction
    await expect(
      a.incidents.declare({ title: 'Never happened', severity: 'high', services: ['api'] }, 'alice'),
    ).rejects.toBe(boom);
    // a committed change on the other process: once A has heard it, it would have heard the first too
    const heard = a.nextChange();
    await b.incidents.declare({ title: 'Did happen', severity: 'low', services: ['website'] }, 'bob');
    await heard;
    a.module.cache.off('invalidated', record);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/^incident:\d+:\d+$/);
    const page = await get(`${a.url}/`);
    expect(missing(page.text, 'Did happen')).toEqual([]);
    expect(page.text.includes('Never happened')).toBe(false);
  });
});

describe('internal page auth', () => {
  it('refuses without the token and asks the browser for basic auth', async () => {
    const res = await get(`${a.url}/internal`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="Herald internal status", charset="UTF-8"');
    expect(JSON.parse(res.text)).toEqual({
      error: { code: 'Unauthorized', message: expect.stringContaining('missing') },
    });
    expect((await get(`${a.url}/internal`, { authorization: 'Bearer wrong-token-value' })).status).toBe(401);
    expect((await get(`${a.url}/internal`, { authorization: basic('anyone', 'wrong') })).status).toBe(401);
  });

  it('accepts the token as a bearer token or as the basic-auth password', async () => {
    const bearer = await get(`${a.url}/internal`, { authorization: `Bearer ${TOKEN}` });
    expect(bearer.status).toBe(200);
    expect(bearer.headers.get('cache-control')).toBe('private, no-cache');
    expect(bearer.headers.get('vary')).toBe('authorization, accept-encoding');
    const viaBasic = await get(`${a.url}/internal`, { authorization: basic('ops', TOKEN) });
    expect(viaBasic.status).toBe(200);
    expect(missing(viaBasic.text, '(internal)', 'Delivery health')).toEqual([]);
  });

  it('is closed when no API token is configured', async () => {
    const open = await startStatusPage({ db: t, clock, apiToken: null });
    try {
      const res = await get(`${open.url}/internal`, { authorization: basic('x', '') });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.text).error.message).toContain('HERALD_API_TOKEN');
    } finally {
      await open.close();
    }
  });
});
