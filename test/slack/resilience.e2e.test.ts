import { commandBody, postSigned, startSlackHarness, type SlackHarness } from './support';

/** Slack being unreachable or refusing must not take Herald down. */
describe('HTTP mode', () => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await startSlackHarness();
  });
  afterAll(async () => h?.close());

  test('auth.test failing does not stop requests being served, and is tried again later', async () => {
    h.fake.fail('auth.test', { status: 500 });
    const first = await postSigned(h.events, commandBody('help', 'U0ALICE01', h.responseUrl('a')));
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ text: expect.stringContaining('*Usage:*') });
    const second = await postSigned(h.events, commandBody('help', 'U0ALICE01', h.responseUrl('b')));
    expect(second.status).toBe(200);
    // Failed once, then asked again (and remembered once it succeeded).
    expect(h.fake.callsTo('auth.test').length).toBe(2);
    await postSigned(h.events, commandBody('help', 'U0ALICE01', h.responseUrl('c')));
    expect(h.fake.callsTo('auth.test').length).toBe(2);
  });
});

describe('Socket Mode (SLACK_APP_TOKEN set)', () => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await startSlackHarness({
      env: { SLACK_APP_TOKEN: 'xapp-1-test' },
      beforeStart: (fake) => fake.fail('apps.connections.open', { error: 'invalid_auth' }),
    });
  });
  afterAll(async () => h?.close());

  test('no HTTP route; the connection is opened with the app token; Herald keeps running if Slack refuses', async () => {
    await h.fake.waitFor((c) => c.some((x) => x.method === 'apps.connections.open'));
    expect(h.fake.callsTo('apps.connections.open')[0]?.token).toBe('xapp-1-test');
    const res = await postSigned(h.events, commandBody('help', 'U0ALICE01', h.responseUrl('s')));
    expect(res.status).toBe(404);
    expect((await fetch(`${h.herald.url}/healthz`)).status).toBe(200);
  });
});
