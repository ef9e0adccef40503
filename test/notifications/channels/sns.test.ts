import { snsSmsAdapter, snsTopicAdapter } from '../../../src/notifications/channels/sns';
import type { ChannelAdapter } from '../../../src/notifications/channels/types';
import { FakeSns } from '../../fakes/sns';
import { SHORT_TIMEOUT_MS, TIMEOUT_MS, awsCredentials, message, permanent, retryable } from './helpers';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:herald-incidents';
const FIFO = 'arn:aws:sns:eu-west-1:123456789012:herald-incidents.fifo';

let fake: FakeSns;
let topic: ChannelAdapter;
let sms: ChannelAdapter;

beforeAll(async () => {
  fake = await new FakeSns().start();
  const aws = {
    region: 'eu-west-1',
    endpoint: fake.url,
    credentials: awsCredentials,
    timeoutMs: TIMEOUT_MS,
  };
  topic = snsTopicAdapter({ ...aws, topicArn: TOPIC });
  sms = snsSmsAdapter(aws);
});
afterAll(async () => {
  topic.close?.();
  sms.close?.();
  await fake.stop();
});
beforeEach(() => fake.reset());

const structured = (m: string | undefined): Record<string, string> =>
  JSON.parse(m ?? '{}') as Record<string, string>;

describe('SNS topic adapter (real @aws-sdk/client-sns against the fake)', () => {
  test('publishes to SNS_TOPIC_ARN with per-protocol bodies and returns the MessageId', async () => {
    const data = { incident: 'INC-12', severity: 'critical' };
    const result = await topic.send(message({ address: '', data }));
    const call = fake.calls[0]!;
    expect(result).toEqual({ providerId: call.messageId, httpStatus: 200 });
    expect(call).toMatchObject({ action: 'Publish', topicArn: TOPIC, messageStructure: 'json' });
    expect(call.subject).toBe('[CRITICAL] INC-12 declared: Checkout failing');
    const body = structured(call.message);
    expect(body.default).toBe('Checkout is failing for every customer.');
    expect(body.email).toBe(body.default);
    expect(body.sms).toBe('Checkout is failing for every customer.');
    for (const protocol of ['email-json', 'http', 'https', 'sqs', 'lambda', 'firehose']) {
      expect(JSON.parse(body[protocol]!)).toEqual(data);
    }
  });

  test('SMS subscribers get smsText when the message has one', async () => {
    const smsText = 'INC-12 critical. Ack: https://herald.example/ack/abc';
    await topic.send(message({ address: '', smsText }));
    expect(structured(fake.calls[0]!.message).sms).toBe(smsText);
  });

  test('a message addressed to its own topic ARN goes there instead', async () => {
    const other = 'arn:aws:sns:eu-west-1:123456789012:payments-oncall';
    await topic.send(message({ address: other }));
    expect(fake.calls[0]!.topicArn).toBe(other);
  });

  test('the idempotency key and delivery id travel as message attributes', async () => {
    await topic.send(message({ address: '' }));
    expect(fake.calls[0]!.attributes).toEqual({
      herald_idempotency_key: { dataType: 'String', value: 'inc-12:declared:alice:email' },
      herald_delivery_id: { dataType: 'Number', value: '42' },
    });
  });

  test('the sms body is fitted to 1,600 characters between words; subject to one line under 100', async () => {
    const long = `${'word '.repeat(500)}end`;
    await topic.send(message({ address: '', text: long, subject: `Subject ${'x '.repeat(80)}\nline two` }));
    const call = fake.calls[0]!;
    const body = structured(call.message);
    expect(body.default).toBe(long);
    expect(body.sms!.length).toBeLessThanOrEqual(1600);
    expect(body.sms).toMatch(/^(word )+word\.\.\.$/);
    expect(call.subject!.length).toBeLessThan(100);
    expect(call.subject).not.toContain('\n');
  });

  test('on a FIFO topic a re-sent delivery is de-duplicated by SNS itself', async () => {
    const fifo = message({ address: FIFO });
    const first = await topic.send(fifo);
    const again = await topic.send(fifo);
    expect(again.providerId).toBe(first.providerId);
    expect(fake.calls).toHaveLength(2);
    expect(fake.delivered).toHaveLength(1);
    expect(fake.calls[0]!.deduplicationId).toMatch(/^[0-9a-f]{64}$/);
    expect(fake.calls[0]!.groupId).toBe('herald');
  });

  test.each([
    ['InternalError', 500],
    ['Throttled', 400],
    ['ThrottlingException', 400],
  ])('%s (HTTP %i) is retryable', async (code, status) => {
    fake.fail({ status, code });
    const err = await retryable(topic.send(message({ address: '' })));
    expect(err.httpStatus).toBe(status);
  });

  test.each(['InvalidParameter', 'NotFound', 'AuthorizationError'])('%s is permanent', async (code) => {
    fake.fail({ status: code === 'NotFound' ? 404 : 400, code });
    await permanent(topic.send(message({ address: '' })));
  });

  test('no answer within the timeout is retryable', async () => {
    const impatient = snsTopicAdapter({
      region: 'eu-west-1',
      endpoint: fake.url,
      credentials: awsCredentials,
      timeoutMs: SHORT_TIMEOUT_MS,
      topicArn: TOPIC,
    });
    fake.hold();
    try {
      expect((await retryable(impatient.send(message({ address: '' })))).message).toBe('SNS timed out');
    } finally {
      fake.release();
      impatient.close?.();
    }
  });

  test('an address that is not a topic ARN is permanent and never reaches SNS', async () => {
    await permanent(topic.send(message({ address: 'alice@example.com' })));
    expect(fake.calls).toHaveLength(0);
  });
});

describe('SNS direct SMS adapter', () => {
  test('publishes to the phone number as transactional SMS with the delivery attributes', async () => {
    const result = await sms.send(
      message({ address: '+447700900123', text: 'INC-12 critical: ack https://h.example/a/1' }),
    );
    const call = fake.calls[0]!;
    expect(result.providerId).toBe(call.messageId);
    expect(call).toMatchObject({
      phoneNumber: '+447700900123',
      message: 'INC-12 critical: ack https://h.example/a/1',
    });
    expect(call.topicArn).toBeUndefined();
    expect(call.attributes['AWS.SNS.SMS.SMSType']).toEqual({ dataType: 'String', value: 'Transactional' });
    expect(call.attributes.herald_idempotency_key!.value).toBe('inc-12:declared:alice:email');
  });

  test('an opted-out number (InvalidParameter) is permanent; a server error is retryable', async () => {
    fake.fail({ status: 400, code: 'InvalidParameter', message: 'Phone number is opted out' });
    await permanent(sms.send(message({ address: '+447700900123' })));
    fake.fail({ status: 500 });
    await retryable(sms.send(message({ address: '+447700900123' })));
  });

  test('a number that is not E.164 is permanent and never reaches SNS', async () => {
    await permanent(sms.send(message({ address: '07700 900123' })));
    expect(fake.calls).toHaveLength(0);
  });
});
