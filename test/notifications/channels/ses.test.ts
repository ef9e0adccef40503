import { sesAdapter } from '../../../src/notifications/channels/ses';
import type { ChannelAdapter } from '../../../src/notifications/channels/types';
import { FakeSes } from '../../fakes/ses';
import { SHORT_TIMEOUT_MS, TIMEOUT_MS, awsCredentials, message, permanent, retryable } from './helpers';

let fake: FakeSes;
let adapter: ChannelAdapter;

beforeAll(async () => {
  fake = await new FakeSes().start();
  adapter = sesAdapter({
    from: 'Herald <herald@example.com>',
    region: 'eu-west-1',
    endpoint: fake.url,
    credentials: awsCredentials,
    timeoutMs: TIMEOUT_MS,
  });
});
afterAll(async () => {
  adapter.close?.();
  await fake.stop();
});
beforeEach(() => fake.reset());

describe('SES adapter (real @aws-sdk/client-ses against the fake)', () => {
  test('sends HTML and text parts from SES_FROM and returns the SES MessageId', async () => {
    const result = await adapter.send(message({ html: '<p>Checkout is failing</p>' }));
    expect(fake.calls).toHaveLength(1);
    const call = fake.calls[0]!;
    expect(result).toEqual({ providerId: call.messageId, httpStatus: 200 });
    expect(call).toMatchObject({
      action: 'SendEmail',
      source: 'Herald <herald@example.com>',
      to: ['alice@example.com'],
      subject: '[CRITICAL] INC-12 declared: Checkout failing',
      text: 'Checkout is failing for every customer.',
      html: '<p>Checkout is failing</p>',
    });
    expect(call.params['Message.Body.Html.Charset']).toBe('UTF-8');
    // Signed by the SDK (SigV4) for the configured region and service.
    expect(call.authorization).toContain('/eu-west-1/ses/aws4_request');
  });

  test('passes the idempotency key and delivery id as SES message tags (sanitised to SES tag characters)', async () => {
    await adapter.send(message());
    expect(fake.calls[0]!.tags).toEqual({
      'herald-idempotency-key': 'inc-12_declared_alice_email',
      'herald-delivery-id': '42',
    });
  });

  test('a subject with line breaks is sent as one line (no header injection)', async () => {
    await adapter.send(message({ subject: 'Checkout\r\nBcc: victim@example.com' }));
    expect(fake.calls[0]!.subject).toBe('Checkout Bcc: victim@example.com');
  });

  test('sends no HTML part when the message has none', async () => {
    await adapter.send(message());
    expect(fake.calls[0]!.html).toBeUndefined();
    expect(fake.calls[0]!.text).toBe('Checkout is failing for every customer.');
  });

  test.each([
    ['InternalFailure', 500],
    ['ServiceUnavailable', 503],
    ['Throttling', 400],
  ])('%s (HTTP %i) is retryable', async (code, status) => {
    fake.fail({ status, code });
    const err = await retryable(adapter.send(message()));
    expect(err.httpStatus).toBe(status);
    expect(err.message).toContain(code);
  });

  test.each(['MessageRejected', 'InvalidParameterValue', 'MailFromDomainNotVerified'])(
    '%s is permanent',
    async (code) => {
      fake.fail({ status: 400, code, message: 'Email address is not verified.' });
      const err = await permanent(adapter.send(message()));
      expect(err.httpStatus).toBe(400);
      expect(err.message).toContain(code);
    },
  );

  test('no answer within the timeout is retryable', async () => {
    const impatient = sesAdapter({
      from: 'Herald <herald@example.com>',
      region: 'eu-west-1',
      endpoint: fake.url,
      credentials: awsCredentials,
      timeoutMs: SHORT_TIMEOUT_MS,
    });
    fake.hold();
    try {
      const err = await retryable(impatient.send(message()));
      expect(err.message).toBe('SES timed out');
    } finally {
      fake.release();
      impatient.close?.();
    }
  });

  test('the SDK does not retry by itself: one failure, one request', async () => {
    fake.fail({ status: 500 });
    await retryable(adapter.send(message()));
    expect(fake.calls).toHaveLength(1);
  });

  test('a malformed address is permanent and never reaches SES', async () => {
    await permanent(adapter.send(message({ address: 'not an address' })));
    expect(fake.calls).toHaveLength(0);
  });

  test('a refused connection is retryable', async () => {
    const closed = await new FakeSes().start();
    await closed.stop();
    const offline = sesAdapter({
      from: 'herald@example.com',
      region: 'eu-west-1',
      endpoint: closed.url,
      credentials: awsCredentials,
      timeoutMs: TIMEOUT_MS,
    });
    const err = await retryable(offline.send(message()));
    expect(err.message).toBe('SES unreachable (ECONNREFUSED)');
    offline.close?.();
  });
});
