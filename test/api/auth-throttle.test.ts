import http from 'node:http';
import { ManualClock } from '../../src/common/clock';
import type { RunningHerald } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';

/**
 * Failed bearer/basic/hook-token attempts are throttled per client address: after
 * `auth_throttle.max_failures` failures within `window_seconds` (5 per 60 s here; 20 per 60 s by
 * default), that address gets 429 with Retry-After on /api/v1, /internal and /hooks/* without its
 * token being compared, so even the right token is refused until the oldest failure ages out on
 * Herald's clock. Addresses are told apart by binding the client socket to 127.0.0.x.
 */
const TOKEN = 'throttle-api-token-0123456789abcdef';
const HOOK_TOKEN = 'throttle-hook-token-0123456789';
const YAML = `
services: [{ id: api }]
integrations: [{ id: scripts, type: generic, token: ${HOOK_TOKEN} }]
auth_throttle: { max_failures: 5, window_seconds: 60 }
`;

let t: TestDatabase;
let herald: RunningHerald;
const clock = new ManualClock('2026-11-26T12:00:00Z');
let port: number;

beforeAll(async () => {
  t = await createTestDatabase();
  herald = await startTestHerald({
    databaseUrl: t.url,
    clock,
    configYaml: YAML,
    mode: 'web',
    env: { HERALD_API_TOKEN: TOKEN },
  });
  port = Number(new URL(herald.url!).port);
});
afterAll(async () => {
  await herald.stop();
  await t.drop();
});

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: { error?: { code: string; message: string } };
}

/** A request from `from` (a loopback address) to Herald. */
function send(
  from: string,
  path: string,
  opts: { token?: string; basic?: string; method?: string; json?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.basic) headers.authorization = `Basic ${Buffer.from(`herald:${opts.basic}`).toString('base64')}`;
  const body = opts.json === undefined ? undefined : JSON.stringify(opts.json);
  if (body) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? (body ? 'POST' : 'GET'),
        headers,
        localAddress: from,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let parsed: Answer['body'] = {};
          try {
            parsed = JSON.parse(text) as Answer['body'];
          } catch {
            // an HTML page (/internal): no JSON error
          }
          const ra = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: typeof ra === 'string' ? ra : undefined,
            body: parsed,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const failTimes = async (from: string, n: number) => {
  for (let i = 0; i < n; i++)
    expect((await send(from, '/api/v1/incidents', { token: `wrong-${i}` })).status).toBe(401);
};

it('after 5 failures an address gets 429 with Retry-After on every guarded route, even with the right token', async () => {
  const from = '127.0.0.2';
  await failTimes(from, 5);
  const api = await send(from, '/api/v1/incidents', { token: TOKEN });
  expect(api).toEqual({
    status: 429,
    retryAfter: '60',
    body: {
      error: {
        code: 'RateLimited',
        message: 'too many failed authentication attempts from this address; retry in 60 s',
      },
    },
  });
  const internal = await send(from, '/internal', { basic: TOKEN });
  expect([internal.status, internal.retryAfter]).toEqual([429, '60']);
  const hook = await send(from, '/hooks/generic', { token: HOOK_TOKEN, json: { title: 'x' } });
  expect([hook.status, hook.retryAfter]).toEqual([429, '60']);
  expect(await t.pool.query('select 1 from ingest_alerts')).toMatchObject({ rowCount: 0 });

  // Another address is not affected: its right token works, its wrong one is a plain 401.
  expect((await send('127.0.0.3', '/api/v1/incidents', { token: TOKEN })).status).toBe(200);
  expect((await send('127.0.0.3', '/api/v1/incidents', { token: 'wrong' })).status).toBe(401);
  // ...and its success did not reset the throttled address.
  expect((await send(from, '/api/v1/incidents', { token: TOKEN })).status).toBe(429);

  // Retry-After counts down on Herald's clock; when the oldest failure leaves the window, in.
  clock.advance({ seconds: 45 });
  expect((await send(from, '/api/v1/incidents', { token: TOKEN })).retryAfter).toBe('15');
  clock.advance({ seconds: 15 });
  expect((await send(from, '/api/v1/incidents', { token: TOKEN })).status).toBe(200);
});

it('counts hook-token and basic-auth failures too, and a success resets nothing', async () => {
  const from = '127.0.0.4';
  for (let i = 0; i < 2; i++)
    expect(
      (await send(from, '/hooks/generic', { token: `wrong-hook-${i}`, json: { title: 'x' } })).status,
    ).toBe(401);
  expect((await send(from, '/internal', { basic: 'wrong-password' })).status).toBe(401);
  await failTimes(from, 1);
  expect((await send(from, '/api/v1/incidents', { token: TOKEN })).status).toBe(200); // 4 failures so far
  await failTimes(from, 1); // the fifth
  const throttled = await send(from, '/hooks/generic', { token: HOOK_TOKEN, json: { title: 'x' } });
  expect([throttled.status, throttled.body.error?.code]).toEqual([429, 'RateLimited']);
});

it('does not count requests without credentials (a browser before its login prompt)', async () => {
  const from = '127.0.0.5';
  for (let i = 0; i < 8; i++) expect((await send(from, '/api/v1/incidents')).status).toBe(401);
  expect((await send(from, '/api/v1/incidents', { token: TOKEN })).status).toBe(200);
});
