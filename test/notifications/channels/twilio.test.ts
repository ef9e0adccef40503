import { twilioAdapter } from '../../../src/notifications/channels/twilio';
import type { ChannelAdapter } from '../../../src/notifications/channels/types';
import { FakeTwilio } from '../../fakes/twilio';
import { SHORT_TIMEOUT_MS, TIMEOUT_MS, clockAt, message, permanent, retryable } from './helpers';

let fake: FakeTwilio;
let adapter: ChannelAdapter;
const clock = clockAt('2026-03-01T12:00:00Z');

const sms = (text = 'INC-12 critical: Checkout failing. Ack: https://herald.example/ack/abc') =>
  message({ address: '+15555550123', text, idempotencyKey: 'inc-12:declared:alice:sms' });

beforeAll(async () => {
  fake = await new FakeTwilio().start();
  adapter = twilioAdapter({
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    from: '+15555550100',
    apiUrl: fake.url,
    timeoutMs: TIMEOUT_MS,
    clock,
  });
});
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

describe('Twilio adapter (real twilio client through a RequestClient pointed at the fake)', () => {
  test('creates a message from TWILIO_FROM with Basic auth and returns the message SID', async () => {
    const result = await adapter.send(sms());
    expect(fake.sent).toHaveLength(1);
    const call = fake.calls[0]!;
    expect(call).toMatchObject({
      accountSid: fake.accountSid,
      to: '+15555550123',
      from: '+15555550100',
      body: 'INC-12 critical: Checkout failing. Ack: https://herald.example/ack/abc',
      status: 201,
    });
    expect(result).toEqual({ providerId: call.sid, httpStatus: 201 });
    expect(result.providerId).toMatch(/^SM[0-9a-f]{32}$/);
  });

  test('a messaging service SID as TWILIO_FROM is sent as MessagingServiceSid', async () => {
    const viaService = twilioAdapter({
      accountSid: fake.accountSid,
      authToken: fake.authToken,
      from: 'MG0123456789abcdef0123456789abcdef',
      apiUrl: fake.url,
      timeoutMs: TIMEOUT_MS,
      clock,
    });
    await viaService.send(sms());
    expect(fake.calls[0]).toMatchObject({ messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' });
    expect(fake.calls[0]!.from).toBeUndefined();
  });

  test('429 with Retry-After (seconds) is retryable after that long', async () => {
    fake.fail({ status: 429, retryAfter: 7 });
    const err = await retryable(adapter.send(sms()));
    expect(err.retryAfterMs).toBe(7_000);
    expect(err.httpStatus).toBe(429);
  });

  test('429 without Retry-After is retryable with no hint', async () => {
    fake.fail({ status: 429 });
    expect((await retryable(adapter.send(sms()))).retryAfterMs).toBeUndefined();
  });

  test.each([500, 502, 503])('HTTP %i is retryable', async (status) => {
    fake.fail({ status, code: 20500 });
    expect((await retryable(adapter.send(sms()))).httpStatus).toBe(status);
  });

  test.each([
    [21211, 'invalid number'],
    [21614, 'not a mobile number'],
    [21610, 'unsubscribed recipient'],
  ])('Twilio error %i (%s) is permanent', async (code) => {
    fake.fail({ status: 400, code, message: `error ${code}` });
    const err = await permanent(adapter.send(sms()));
    expect(err.httpStatus).toBe(400);
    expect(err.message).toContain(String(code));
  });

  test('wrong credentials (401, code 20003) are permanent', async () => {
    const wrong = twilioAdapter({
      accountSid: fake.accountSid,
      authToken: 'not-the-token',
      from: '+15555550100',
      apiUrl: fake.url,
      timeoutMs: TIMEOUT_MS,
      clock,
    });
    const err = await permanent(wrong.send(sms()));
    expect(err.httpStatus).toBe(401);
    expect(err.message).toContain('20003');
  });

  test('no answer within the timeout is retryable', async () => {
    const impatient = twilioAdapter({
      accountSid: fake.accountSid,
      authToken: fake.authToken,
      from: '+15555550100',
      apiUrl: fake.url,
      timeoutMs: SHORT_TIMEOUT_MS,
      clock,
    });
    fake.hold();
    try {
      expect((await retryable(impatient.send(sms()))).message).toBe('Twilio timed out');
    } finally {
      fake.release();
    }
  });

  test('the client does not retry by itself: one 429, one request', async () => {
    fake.fail({ status: 429, retryAfter: 1 });
    await retryable(adapter.send(sms()));
    expect(fake.calls).toHaveLength(1);
  });

  test('a number that is not E.164 is permanent and never reaches Twilio', async () => {
    await permanent(adapter.send(message({ address: '555-0123' })));
    expect(fake.calls).toHaveLength(0);
  });
});
