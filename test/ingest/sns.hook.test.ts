import fs from 'node:fs';
import path from 'node:path';
import { call } from '../support/http';
import { ATTACKER_KEY, SNS_HOST, startFakeSns, TOPIC, type FakeSns } from './support/fake-sns';
import { count, startHarness, timelineOf, TOKENS, type Harness } from './support/harness';

const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/ingest', name), 'utf8')) as Record<
    string,
    string
  >;
/** The documented shapes, without the placeholder signature fields (the fake SNS signs them). */
function unsigned(name: string): Record<string, string> {
  const { Signature: _s, SigningCertURL: _u, SignatureVersion: _v, ...rest } = fixture(name);
  return rest;
}
const ALARM = unsigned('sns-cloudwatch-alarm.json');
const CONFIRMATION = unsigned('sns-subscription-confirmation.json');
const alarmMessage = JSON.parse(ALARM.Message as string) as Record<string, unknown>;

let h: Harness;
let sns: FakeSns;
beforeAll(async () => {
  sns = await startFakeSns();
  h = await startHarness({ options: { sns: { httpsAgent: sns.agent } } });
});
afterAll(async () => {
  await h.close();
  await sns.close();
});

/** POSTs as SNS does: JSON in a text/plain body, token in the subscription URL. */
const deliver = (body: unknown, token: string = TOKENS.cloudwatch) =>
  call(`${h.url}/hooks/sns?token=${token}`, {
    raw: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
  });
const notification = (alarm: Record<string, unknown>, id: string) =>
  ({ ...ALARM, MessageId: id, Message: JSON.stringify(alarm) }) as Record<string, string>;
const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

describe('POST /hooks/sns', () => {
  it('confirms a signed SubscriptionConfirmation by fetching its SubscribeURL from SNS', async () => {
    const subscribeUrl = `https://${SNS_HOST}/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=abc123`;
    const res = await deliver(sns.sign({ ...CONFIRMATION, SubscribeURL: subscribeUrl }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ confirmed: true, subscription_arn: `${TOPIC}:sub-1` });
    expect(sns.requests).toContain(`/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=abc123`);
  });

  it('opens an incident from a signed CloudWatch ALARM and resolves it on OK', async () => {
    const fetchedBefore = sns.requests.filter((r) => r.endsWith('.pem')).length;
    const res = await deliver(sns.sign(notification(alarmMessage, 'm-1')));
    expect(res.status).toBe(200);
    const ref = (res.body as { incident: string }).incident;
    const incident = await h.incidents.get(ref);
    expect(incident).toMatchObject({
      title: 'checkout-5xx-rate: 5xx rate above 2% on checkout ALB',
      services: ['checkout'], // the alarm name starts with a configured service
      severity: 'high', // the integration's default
      createdBy: 'alert:cloudwatch',
      source: 'alert',
    });
    expect(incident.startedAt.toISO()).toBe('2026-11-26T21:21:07.123Z');
    expect(incident.description).toContain('Threshold Crossed: 1 datapoint [4.2');
    expect(incident.description).toContain('namespace: AWS/ApplicationELB');

    h.clock.advance({ minutes: 4 });
    const ok = {
      ...alarmMessage,
      NewStateValue: 'OK',
      OldStateValue: 'ALARM',
      NewStateReason: 'back to normal',
    };
    // SignatureVersion 1 (SHA1), the default of SNS topics, is accepted too.
    expect((await deliver(sns.sign(notification(ok, 'm-2'), { version: '1' }))).status).toBe(200);
    expect((await h.incidents.get(ref)).status).toBe('resolved');
    expect((await timelineOf(h, ref)).map(([kind, actor]) => [kind, actor])).toEqual([
      ['declared', 'alert:cloudwatch'],
      ['resolved', 'alert:cloudwatch'],
    ]);
    // The signing certificate was fetched once, then cached.
    expect(sns.requests.filter((r) => r.endsWith('.pem')).length - fetchedBefore).toBeLessThanOrEqual(1);
  });

  it('ignores INSUFFICIENT_DATA; accepts application/json and basic auth (https://user:token@ URLs)', async () => {
    const basic = Buffer.from(`sns:${TOKENS.cloudwatch}`).toString('base64');
    const res = await call(`${h.url}/hooks/sns`, {
      headers: { authorization: `Basic ${basic}` },
      json: sns.sign(
        notification(
          { ...alarmMessage, AlarmName: 'api-latency', NewStateValue: 'INSUFFICIENT_DATA' },
          'm-3',
        ),
      ),
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ignored: 'INSUFFICIENT_DATA' });
  });
});

describe('POST /hooks/sns refuses forged and unusable messages, and changes nothing', () => {
  let before: { incidents: number; alerts: number; requests: number };
  beforeEach(async () => {
    before = { incidents: await count(h, 'incidents'), alerts: await count(h, 'ingest_alerts'), requests: 0 };
  });
  afterEach(async () => {
    expect({
      incidents: await count(h, 'incidents'),
      alerts: await count(h, 'ingest_alerts'),
      requests: 0,
    }).toEqual(before);
  });
  const other = {
    ...alarmMessage,
    AlarmName: 'api-errors',
    AlarmArn: 'arn:aws:cloudwatch:eu-west-1:1:alarm:api-errors',
  };

  it('403 for a message signed with another key, or altered after signing', async () => {
    const forged = await deliver(sns.sign(notification(other, 'f-1'), { key: ATTACKER_KEY }));
    expect(forged.status).toBe(403);
    expect(errorOf(forged.body)).toEqual({
      code: 'Forbidden',
      message: 'SNS signature verification failed: Invalid Signature',
    });
    const signed = sns.sign(notification(other, 'f-2'));
    const altered = { ...signed, Message: JSON.stringify({ ...other, AlarmName: 'api-errors-2' }) };
    expect((await deliver(altered)).status).toBe(403);
  });

  it('400 for an unsigned message; 403 for a certificate that is not on an SNS host (never fetched)', async () => {
    const { Signature: _sig, ...unsignedMessage } = sns.sign(notification(other, 'f-3'));
    const res = await deliver(unsignedMessage);
    expect(res.status).toBe(400);
    expect(errorOf(res.body).message).toContain('Signature');
    const requests = sns.requests.length;
    const evil = sns.sign({
      ...notification(other, 'f-4'),
      SigningCertURL:
        'https://sns.evil.example.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
    });
    const rejected = await deliver(evil);
    expect(rejected.status).toBe(403);
    expect(errorOf(rejected.body).message).toBe('SNS signature verification failed: Invalid SigningCertURL');
    expect(sns.requests.length).toBe(requests);
  });

  it('400 for a signed confirmation whose SubscribeURL is not on an SNS host (never fetched)', async () => {
    const requests = sns.requests.length;
    const res = await deliver(
      sns.sign({
        ...CONFIRMATION,
        SubscribeURL: 'https://attacker.example.com/?Action=ConfirmSubscription&Token=x',
      }),
    );
    expect(res.status).toBe(400);
    expect(errorOf(res.body).message).toBe(
      'SubscribeURL rejected: "attacker.example.com" is not an SNS host',
    );
    expect(sns.requests.length).toBe(requests);
  });

  it('401 for a wrong token, 400 for malformed JSON and for a message that is not a CloudWatch alarm', async () => {
    expect((await deliver(sns.sign(notification(other, 'f-5')), TOKENS.prometheus)).status).toBe(401);
    const malformed = await deliver('{"Type": "Notification",');
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed.body)).toEqual({ code: 'Validation', message: 'body is not JSON' });
    const notAlarm = await deliver(sns.sign({ ...ALARM, MessageId: 'f-6', Message: 'hello' }));
    expect(notAlarm.status).toBe(400);
    expect(errorOf(notAlarm.body).message).toContain('not a CloudWatch alarm');
    const wrongShape = await deliver(sns.sign({ ...ALARM, MessageId: 'f-7', Message: '{"AlarmName": "x"}' }));
    expect(wrongShape.status).toBe(400);
    expect(errorOf(wrongShape.body).message).toContain('NewStateValue');
  });
});

describe('the test seam', () => {
  it('cannot skip TLS: a certificate served by a host the agent does not trust verifies nothing', async () => {
    const strict = await startHarness({ options: { sns: { httpsAgent: sns.untrustingAgent } } });
    try {
      const res = await call(`${strict.url}/hooks/sns?token=${TOKENS.cloudwatch}`, {
        raw: JSON.stringify(sns.sign(notification(alarmMessage, 's-1'))),
        headers: { 'content-type': 'text/plain; charset=UTF-8' },
      });
      expect(res.status).toBe(500); // not a verdict on the sender: SNS retries later
      expect(await count(strict, 'incidents')).toBe(0);
      expect(await count(strict, 'ingest_alerts')).toBe(0);
    } finally {
      await strict.close();
    }
  });
});
