import fs from 'node:fs';
import path from 'node:path';
import { call } from '../support/http';
import { startFakeSns, TOPIC, type FakeSns } from './support/fake-sns';
import { count, startHarness, TOKENS, type Harness } from './support/harness';

/**
 * SNS integrations may list the topics they accept (`topics`); messages from any other topic are
 * refused with 403 before their signature is even checked, and messages whose Timestamp is more
 * than an hour old or more than 5 minutes ahead (on Herald's clock) with 400: a signed message
 * never expires, so an old one could otherwise be replayed.
 */
const OTHER_TOPIC = 'arn:aws:sns:eu-west-1:210987654321:someone-elses-alarms';
const YAML = `
services:
  - id: checkout
integrations:
  - id: cloudwatch
    type: sns
    token: ${TOKENS.cloudwatch}
    topics: ['${TOPIC}']
`;

const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/ingest/sns-cloudwatch-alarm.json'), 'utf8'),
) as Record<string, string>;
const { Signature: _s, SigningCertURL: _u, SignatureVersion: _v, ...ALARM } = fixture;

let h: Harness;
let sns: FakeSns;
beforeAll(async () => {
  sns = await startFakeSns();
  h = await startHarness({ yaml: YAML, options: { sns: { httpsAgent: sns.agent } } });
});
afterAll(async () => {
  await h.close();
  await sns.close();
});

const deliver = (body: unknown) =>
  call(`${h.url}/hooks/sns?token=${TOKENS.cloudwatch}`, {
    raw: JSON.stringify(body),
    headers: { 'content-type': 'text/plain; charset=UTF-8' },
  });
const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;
/** A signed alarm notification sent at `minutes` from Herald's now (negative: in the past). */
const alarmAt = (id: string, minutes: number, topic = TOPIC) =>
  sns.sign({
    ...ALARM,
    MessageId: id,
    TopicArn: topic,
    Timestamp: h.clock.now().plus({ minutes }).toISO()!,
  });

async function unchanged<T>(act: () => Promise<T>): Promise<T> {
  const before = [await count(h, 'ingest_alerts'), await count(h, 'incidents')];
  const certs = sns.requests.length;
  const result = await act();
  expect([await count(h, 'ingest_alerts'), await count(h, 'incidents')]).toEqual(before);
  expect(sns.requests.length).toBe(certs); // refused before any certificate was fetched
  return result;
}

it('refuses a message from a topic not in `topics` with 403, before checking its signature', async () => {
  const res = await unchanged(() => deliver(alarmAt('t-1', -1, OTHER_TOPIC)));
  expect(res.status).toBe(403);
  expect(errorOf(res.body)).toEqual({
    code: 'Forbidden',
    message: `SNS topic "${OTHER_TOPIC}" is not in the topics of integration "cloudwatch"`,
  });
  // The same topic's subscription handshake is refused too: Herald never subscribes to it.
  const confirm = await unchanged(() =>
    deliver(
      sns.sign({ ...ALARM, Type: 'SubscriptionConfirmation', TopicArn: OTHER_TOPIC, MessageId: 't-2' }),
    ),
  );
  expect(confirm.status).toBe(403);
});

it('refuses a message more than an hour old or more than 5 minutes ahead with 400', async () => {
  const old = await unchanged(() => deliver(alarmAt('t-3', -61)));
  expect(old.status).toBe(400);
  expect(errorOf(old.body).message).toMatch(/^invalid SNS message: Timestamp: .* is more than an hour old/);
  const ahead = await unchanged(() => deliver(alarmAt('t-4', 6)));
  expect(ahead.status).toBe(400);
  expect(errorOf(ahead.body).message).toMatch(/is more than 5 minutes in the future$/);
  const garbage = await unchanged(() =>
    deliver(sns.sign({ ...ALARM, MessageId: 't-5', Timestamp: 'yesterday' })),
  );
  expect(garbage.status).toBe(400);
  expect(errorOf(garbage.body).message).toBe('invalid SNS message: Timestamp: expected an ISO 8601 time');
});

it('accepts a listed topic within the window, judged on the injected clock', async () => {
  const alerts = await count(h, 'ingest_alerts');
  const late = await deliver(alarmAt('t-6', -59));
  expect(late.status).toBe(200);
  expect((late.body as { incident: string | null }).incident).toMatch(/^INC-\d+$/);
  const early = await deliver(alarmAt('t-7', 4));
  expect(early.status).toBe(200);
  expect(await count(h, 'ingest_alerts')).toBe(alerts + 1); // one alarm, sent twice

  // Two hours later on Herald's clock the same message is stale.
  const message = alarmAt('t-8', 0);
  h.clock.advance({ hours: 2 });
  expect((await deliver(message)).status).toBe(400);
});
