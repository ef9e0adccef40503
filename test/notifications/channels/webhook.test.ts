import { webhookAdapter } from '../../../src/notifications/channels/webhook';
import type { ChannelAdapter, OutboundMessage } from '../../../src/notifications/channels/types';
import { ManualClock, systemClock } from '../../../src/common/clock';
import { FakeWebhookReceiver } from '../../fakes/webhook';
import { SHORT_TIMEOUT_MS, TIMEOUT_MS, message, permanent, retryable } from './helpers';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER_SECRET = 'whsec_c2VjcmV0LW9mLWFub3RoZXItZW5kcG9pbnQ=';

let receiver: FakeWebhookReceiver;
// Signatures carry a timestamp the receiver checks against its own clock (±5 minutes).
const adapter: ChannelAdapter = webhookAdapter({ clock: systemClock });

const hook = (
  overrides: Partial<OutboundMessage> = {},
  secret: string | undefined = SECRET,
): OutboundMessage =>
  message({
    address: '',
    idempotencyKey: 'inc-12:declared:ops-bus:webhook',
    data: { type: 'incident.declared', incident: { ref: 'INC-12', title: 'Checkout "failing" <b>' } },
    webhook: { url: `${receiver.url}/herald`, secret, timeoutMs: TIMEOUT_MS },
    ...overrides,
  });

beforeAll(async () => {
  receiver = await new FakeWebhookReceiver(SECRET).start();
});
afterAll(() => receiver.stop());
beforeEach(() => receiver.reset());

describe('webhook adapter (axios + standardwebhooks, against a verifying receiver)', () => {
  test('posts the data as JSON, signed; the receiver verifies the signature with the shared secret', async () => {
    const result = await adapter.send(hook());
    expect(result).toEqual({ providerId: null, httpStatus: 204 });
    const req = receiver.requests[0]!;
    expect(req.verifyError).toBeUndefined();
    expect(req.verified).toBe(true);
    expect(req.path).toBe('/herald');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.json).toEqual({
      type: 'incident.declared',
      incident: { ref: 'INC-12', title: 'Checkout "failing" <b>' },
    });
    expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  test('webhook-id is the idempotency key, so a re-sent delivery is recognisably the same message', async () => {
    await adapter.send(hook());
    await adapter.send(hook());
    expect(receiver.accepted).toHaveLength(2);
    expect(receiver.uniqueIds).toEqual(['inc-12:declared:ops-bus:webhook']);
  });

  test('a receiver with another secret rejects the signature (401 → permanent)', async () => {
    const err = await permanent(adapter.send(hook({}, OTHER_SECRET)));
    expect(err.httpStatus).toBe(401);
    expect(receiver.requests[0]!.verified).toBe(false);
  });

  test('a signature timestamped an hour away is refused by the receiver', async () => {
    const skewed = webhookAdapter({ clock: new ManualClock(new Date(Date.now() - 3_600_000).toISOString()) });
    await permanent(skewed.send(hook()));
    expect(receiver.requests[0]!.verified).toBe(false);
    expect(receiver.requests[0]!.verifyError).toMatch(/timestamp/i);
  });

  test('without a secret the request is sent unsigned but still carries webhook-id and timestamp', async () => {
    const open = await new FakeWebhookReceiver().start();
    try {
      await adapter.send(hook({ webhook: { url: open.url, timeoutMs: TIMEOUT_MS } }));
      const req = open.requests[0]!;
      expect(req.headers['webhook-signature']).toBeUndefined();
      expect(req.id).toBe('inc-12:declared:ops-bus:webhook');
      expect(req.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    } finally {
      await open.stop();
    }
  });

  test('without data the body is {subject, text}', async () => {
    await adapter.send(hook({ data: undefined }));
    expect(receiver.requests[0]!.json).toEqual({
      subject: '[CRITICAL] INC-12 declared: Checkout failing',
      text: 'Checkout is failing for every customer.',
    });
  });

  test.each([500, 502, 503, 408])('HTTP %i is retryable', async (status) => {
    receiver.fail({ status });
    expect((await retryable(adapter.send(hook()))).httpStatus).toBe(status);
  });

  test('429 with Retry-After is retryable after that long', async () => {
    receiver.fail({ status: 429, retryAfter: 12 });
    expect(await retryable(adapter.send(hook()))).toMatchObject({ retryAfterMs: 12_000, httpStatus: 429 });
  });

  test.each([410, 400, 404, 413])('HTTP %i is permanent', async (status) => {
    receiver.fail({ status });
    expect((await permanent(adapter.send(hook()))).httpStatus).toBe(status);
  });

  test('a redirect is not followed (a signed POST is not replayed elsewhere) and is permanent', async () => {
    receiver.fail({ status: 307 });
    await permanent(adapter.send(hook()));
    expect(receiver.requests).toHaveLength(1);
  });

  test('no answer within the endpoint timeout is retryable', async () => {
    receiver.hold();
    try {
      const sent = adapter.send(
        hook({ webhook: { url: `${receiver.url}/herald`, secret: SECRET, timeoutMs: SHORT_TIMEOUT_MS } }),
      );
      expect((await retryable(sent)).message).toBe('webhook endpoint timed out');
    } finally {
      receiver.release();
    }
  });

  test('a refused connection is retryable', async () => {
    const gone = await new FakeWebhookReceiver(SECRET).start();
    await gone.stop();
    const err = await retryable(
      adapter.send(hook({ webhook: { url: gone.url, secret: SECRET, timeoutMs: 1000 } })),
    );
    expect(err.message).toBe('webhook endpoint unreachable (ECONNREFUSED)');
  });

  test('a message without an endpoint is permanent', async () => {
    await permanent(adapter.send(message()));
  });
});
