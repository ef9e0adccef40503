import { slackAdapters } from '../../../src/notifications/channels/slack';
import type { ChannelAdapter } from '../../../src/notifications/channels/types';
import { FakeSlack } from '../../fakes/slack';
import { TIMEOUT_MS, clockAt, message, permanent, retryable } from './helpers';

let fake: FakeSlack;
let dm: ChannelAdapter;
let channel: ChannelAdapter;

const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Checkout failing*', verbatim: true } }];

beforeAll(async () => {
  fake = await new FakeSlack().start();
  const adapters = slackAdapters({
    botToken: 'xoxb-test-token',
    apiUrl: fake.apiUrl,
    incidentsChannel: 'C0INCIDENTS',
    timeoutMs: TIMEOUT_MS,
    clock: clockAt(),
  });
  dm = adapters.slack;
  channel = adapters.slack_channel;
});
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

describe('Slack adapters (real @slack/web-api WebClient against the fake)', () => {
  test('a DM is one chat.postMessage to the user ID, with text and blocks, returning the ts', async () => {
    const result = await dm.send(message({ address: 'U0ALICE', blocks }));
    expect(fake.calls.map((c) => c.method)).toEqual(['chat.postMessage']);
    const post = fake.callsTo('chat.postMessage')[0]!;
    expect(post.token).toBe('xoxb-test-token');
    expect(post.args).toMatchObject({
      channel: 'U0ALICE',
      text: 'Checkout is failing for every customer.',
      blocks,
      unfurl_links: 'false', // form-encoded by the WebClient
    });
    expect(result.providerId).toMatch(/^1700000000\.\d{6}$/);
  });

  test('a DM to a conversation ID posts directly', async () => {
    await dm.send(message({ address: 'D0DIRECT' }));
    expect(fake.calls.map((c) => c.method)).toEqual(['chat.postMessage']);
  });

  test('a channel post goes to the named channel, else to SLACK_INCIDENTS_CHANNEL', async () => {
    await channel.send(message({ address: 'C0PAYMENTS' }));
    await channel.send(message({ address: '' }));
    expect(fake.callsTo('chat.postMessage').map((c) => c.args.channel)).toEqual([
      'C0PAYMENTS',
      'C0INCIDENTS',
    ]);
  });

  test('ratelimited (429 with Retry-After) is retryable after that long, without waiting in the client', async () => {
    fake.fail('chat.postMessage', { status: 429, retryAfter: 20 });
    const err = await retryable(channel.send(message({ address: 'C0PAYMENTS' })));
    expect(err).toMatchObject({ retryAfterMs: 20_000, httpStatus: 429 });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  test('HTTP 500 is retryable, with one request only', async () => {
    fake.fail('chat.postMessage', { status: 500 });
    expect((await retryable(channel.send(message({ address: 'C0PAYMENTS' })))).httpStatus).toBe(500);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  test.each(['channel_not_found', 'not_in_channel', 'invalid_auth', 'account_inactive'])(
    'channel post: %s is permanent',
    async (error) => {
      fake.fail('chat.postMessage', { error });
      expect((await permanent(channel.send(message({ address: 'C0GONE' })))).message).toBe(
        `Slack answered ${error}`,
      );
    },
  );

  test('DM: a user Slack does not know (channel_not_found) is permanent, after one call', async () => {
    fake.fail('chat.postMessage', { error: 'channel_not_found' });
    await permanent(dm.send(message({ address: 'U0GONE' })));
    expect(fake.calls.map((c) => c.method)).toEqual(['chat.postMessage']);
  });

  test('100 DMs are 100 Web API calls, not 200', async () => {
    const users = Array.from({ length: 100 }, (_, i) => `U0PERSON${i}`);
    await Promise.all(users.map((u) => dm.send(message({ address: u }))));
    expect(fake.calls).toHaveLength(100);
    expect(new Set(fake.callsTo('chat.postMessage').map((c) => c.args.channel))).toEqual(new Set(users));
  });

  test('DM: a transient Slack error (internal_error) is retryable', async () => {
    fake.fail('chat.postMessage', { error: 'internal_error' });
    await retryable(dm.send(message({ address: 'U0ALICE' })));
  });

  test('an address that is not a Slack ID is permanent and never reaches Slack', async () => {
    await permanent(dm.send(message({ address: 'alice@example.com' })));
    expect(fake.calls).toHaveLength(0);
  });

  test('a refused connection is retryable', async () => {
    const gone = await new FakeSlack().start();
    await gone.stop();
    const { slack_channel: offline } = slackAdapters({
      botToken: 'xoxb-test-token',
      apiUrl: gone.apiUrl,
      timeoutMs: TIMEOUT_MS,
      clock: clockAt(),
    });
    expect((await retryable(offline.send(message({ address: 'C0PAYMENTS' })))).message).toMatch(
      // Node's fetch names the errno on `cause`; under Jest the client wraps it as plain text.
      /^Slack unreachable \((ECONNREFUSED|TypeError: fetch failed)\)$/,
    );
  });
});
