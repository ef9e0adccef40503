import { Writable } from 'node:stream';
import pino from 'pino';
import type { ModuleContext } from '../../src/modules';
import { slackModule } from '../../src/slack';
import { exampleConfig } from './fixtures';
import { commandBody, postSigned, sign, startSlackHarness, type SlackHarness } from './support';

/** The HTTP edge: Bolt's verification through the fastify receiver, plus the future-timestamp rule. */
let h: SlackHarness;
beforeAll(async () => {
  h = await startSlackHarness();
});
afterAll(async () => h?.close());

const now = () => Math.floor(Date.now() / 1000);
const body = () => commandBody('help', 'U0ALICE01', h.responseUrl('r'));

test('a correctly signed request is answered (here: the help text, as the ack)', async () => {
  const res = await postSigned(h.events, body());
  expect(res.status).toBe(200);
  expect(res.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('*Usage:*') });
});

test.each([
  ['a wrong signature', { signature: sign('something else', now()) }],
  ['a signature made with another secret', { signature: sign('x', now(), 'not-the-secret') }],
  ['a malformed signature', { signature: 'v1=deadbeef' }],
  ['a stale timestamp (6 minutes ago)', { timestamp: now() - 6 * 60 }],
  ['a timestamp 6 minutes in the future', { timestamp: now() + 6 * 60 }],
])('%s gets 401 and changes nothing', async (_name, opts) => {
  const before = h.fake.calls.length;
  const payload = body();
  // Sign correctly for the claimed timestamp unless the case forges the signature itself.
  const timestamp = 'timestamp' in opts ? opts.timestamp : now();
  const signature = 'signature' in opts ? opts.signature : sign(payload, timestamp);
  const res = await postSigned(h.events, payload, { timestamp, signature });
  expect(res.status).toBe(401);
  expect(h.fake.calls.length).toBe(before);
});

test('missing signature headers get 401', async () => {
  const res = await fetch(h.events, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body(),
  });
  expect(res.status).toBe(401);
});

test('timestamps within 5 minutes either way are accepted', async () => {
  for (const timestamp of [now() - 4 * 60, now() + 4 * 60]) {
    const payload = body();
    const res = await postSigned(h.events, payload, { timestamp, signature: sign(payload, timestamp) });
    expect(res.status).toBe(200);
  }
});

test('Events API url_verification is answered with its challenge; ssl_check with 200', async () => {
  const challenge = JSON.stringify({ type: 'url_verification', token: 't', challenge: 'c-123' });
  const res = await fetch(h.events, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': String(now()),
      'x-slack-signature': sign(challenge, now()),
    },
    body: challenge,
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ challenge: 'c-123' });
  const ssl = await fetch(h.events, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'ssl_check=1&token=x',
  });
  expect(ssl.status).toBe(200);
});

test('the raw-body parser is scoped to Slack: the JSON API still parses JSON', async () => {
  const res = await fetch(`${h.herald.url}/api/v1/incidents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(res.status).toBe(401); // reached the API's auth, not a parser error
});

describe('Slack off', () => {
  function capture(): { ctx: ModuleContext; lines: () => Array<{ msg: string }> } {
    const out: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out.push(chunk.toString());
        cb();
      },
    });
    const logger = pino({ level: 'debug' }, stream);
    const ctx = { config: exampleConfig(), logger } as unknown as ModuleContext;
    return { ctx, lines: () => out.map((l) => JSON.parse(l) as { msg: string }) };
  }

  test('without credentials the module has no routes or tasks and says so in one line', () => {
    const { ctx, lines } = capture();
    const module = slackModule(ctx);
    expect(module.routes).toBeUndefined();
    expect(module.tasks).toBeUndefined();
    expect(module.subscribers ?? []).toEqual([]);
    expect(lines().map((l) => l.msg)).toEqual([
      'Slack off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP), or SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) to turn it on',
    ]);
  });

  test('with a bot token but no way in, it names what is missing', () => {
    const { ctx, lines } = capture();
    const config = exampleConfig({ SLACK_BOT_TOKEN: 'xoxb-x' });
    slackModule({ ...ctx, config });
    expect(lines()).toHaveLength(1);
    expect(lines()[0]?.msg).toContain(
      'neither SLACK_SIGNING_SECRET (HTTP) nor SLACK_APP_TOKEN (Socket Mode)',
    );
  });
});
