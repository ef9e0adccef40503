import { pagerDutyAdapter } from '../../../src/notifications/channels/pagerduty';
import {
  skipReason,
  type ChannelAdapter,
  type OutboundMessage,
} from '../../../src/notifications/channels/types';
import { FakePagerDuty } from '../../fakes/pagerduty';
import { SHORT_TIMEOUT_MS, TIMEOUT_MS, clockAt, message, permanent, retryable } from './helpers';

const ENV_KEY = 'e93facc04764012d7bfb002500d5d1a6';
const RULE_KEY = 'b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6';

let fake: FakePagerDuty;
let adapter: ChannelAdapter;
const clock = clockAt('2026-03-01T12:00:00Z');

const event = (
  action: 'trigger' | 'acknowledge' | 'resolve' = 'trigger',
  overrides: Partial<OutboundMessage> = {},
): OutboundMessage =>
  message({
    address: '',
    idempotencyKey: `inc-12:${action}:pagerduty`,
    pagerduty: { action, dedupKey: 'herald-inc-12', severity: 'critical' },
    data: { incident: 'INC-12', services: ['checkout'] },
    ...overrides,
  });

beforeAll(async () => {
  fake = await new FakePagerDuty().start();
  adapter = pagerDutyAdapter({
    eventsUrl: fake.eventsUrl,
    routingKey: ENV_KEY,
    timeoutMs: TIMEOUT_MS,
    clock,
  });
});
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

describe('PagerDuty adapter (axios, Events API v2, against the fake)', () => {
  test('a trigger carries routing key, dedup key and payload; 202 returns the dedup key', async () => {
    const result = await adapter.send(event());
    expect(result).toEqual({ providerId: 'herald-inc-12', httpStatus: 202 });
    expect(fake.calls[0]!.event).toEqual({
      routing_key: ENV_KEY,
      event_action: 'trigger',
      dedup_key: 'herald-inc-12',
      payload: {
        summary: '[CRITICAL] INC-12 declared: Checkout failing',
        source: 'herald',
        severity: 'critical',
        timestamp: '2026-03-01T12:00:00.000Z',
        custom_details: { incident: 'INC-12', services: ['checkout'] },
      },
    });
  });

  test('one dedup key per incident: repeated triggers fold into one alert that ack and resolve find', async () => {
    await adapter.send(event('trigger'));
    await adapter.send(event('trigger')); // a re-run after a crash
    await adapter.send(event('acknowledge'));
    expect(fake.alerts.get('herald-inc-12')).toEqual({ status: 'acknowledged', events: 3 });
    await adapter.send(event('resolve'));
    expect(fake.alerts.size).toBe(1);
    expect(fake.alerts.get('herald-inc-12')!.status).toBe('resolved');
    expect(fake.calls[2]!.event.payload).toBeUndefined();
  });

  test("a rule's own routing key wins over PAGERDUTY_ROUTING_KEY", async () => {
    await adapter.send(
      event('trigger', {
        pagerduty: { action: 'trigger', dedupKey: 'k', severity: 'info', routingKey: RULE_KEY },
      }),
    );
    expect(fake.calls[0]!.event.routing_key).toBe(RULE_KEY);
  });

  test('the summary is cut to 1,024 characters between words', async () => {
    const subject = `INC-12 ${'checkout '.repeat(200)}`;
    await adapter.send(event('trigger', { subject }));
    const summary = fake.calls[0]!.event.payload!.summary!;
    expect(fake.calls[0]!.status).toBe(202);
    expect(summary.length).toBeLessThanOrEqual(1024);
    expect(summary).toMatch(/^INC-12 (checkout )+checkout\.\.\.$/);
  });

  test('429 with Retry-After in seconds is retryable after that long', async () => {
    fake.fail({ status: 429, retryAfter: 30 });
    const err = await retryable(adapter.send(event()));
    expect(err).toMatchObject({ retryAfterMs: 30_000, httpStatus: 429 });
  });

  test('429 with Retry-After as an HTTP date is measured from the injected clock', async () => {
    fake.fail({ status: 429, retryAfter: 'Sun, 01 Mar 2026 12:01:30 GMT' });
    expect((await retryable(adapter.send(event()))).retryAfterMs).toBe(90_000);
  });

  test.each([500, 502, 503])('HTTP %i is retryable', async (status) => {
    fake.fail({ status });
    expect((await retryable(adapter.send(event()))).httpStatus).toBe(status);
  });

  test("400 (invalid event) is permanent and carries PagerDuty's reason", async () => {
    const err = await permanent(
      adapter.send(
        event('trigger', {
          pagerduty: { action: 'trigger', dedupKey: 'k', severity: 'critical', routingKey: 'short' },
        }),
      ),
    );
    expect(err.httpStatus).toBe(400);
    expect(err.message).toContain('routing_key');
    expect(err.message).not.toContain('short'); // the key itself is never echoed
  });

  test('no answer within the timeout is retryable', async () => {
    const impatient = pagerDutyAdapter({
      eventsUrl: fake.eventsUrl,
      routingKey: ENV_KEY,
      timeoutMs: SHORT_TIMEOUT_MS,
      clock,
    });
    fake.hold();
    try {
      expect((await retryable(impatient.send(event()))).message).toBe('PagerDuty timed out');
    } finally {
      fake.release();
      impatient.close?.();
    }
  });

  test('without PAGERDUTY_ROUTING_KEY the channel is off unless the rule names a key', async () => {
    const off = pagerDutyAdapter({ eventsUrl: fake.eventsUrl, timeoutMs: TIMEOUT_MS, clock });
    expect(off.disabledReason).toMatch(/PAGERDUTY_ROUTING_KEY/);
    expect(skipReason(off, event())).toBe(off.disabledReason);
    await permanent(off.send(event()));
    const withRuleKey = event('trigger', {
      pagerduty: { action: 'trigger', dedupKey: 'k', severity: 'error', routingKey: RULE_KEY },
    });
    expect(skipReason(off, withRuleKey)).toBeUndefined();
    await off.send(withRuleKey);
    expect(fake.accepted.map((c) => c.event.routing_key)).toEqual([RULE_KEY]);
  });
});
