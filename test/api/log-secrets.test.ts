import type { RunningHerald } from '../../src/main';
import { FakeSes } from '../fakes/ses';
import { FakeTwilio } from '../fakes/twilio';
import { FakeWebhookReceiver } from '../fakes/webhook';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';
import { call } from '../support/http';
import { captureLogs } from '../support/logs';

/**
 * No secret reaches the log. A full run at level `trace` (every request line, every debug line of
 * the worker) with the logger writing into memory: alert hooks authenticated by `?token=` and by
 * Bearer, an incident paged by email and SMS with acknowledge links, an acknowledgement through
 * one, a subscription confirmed and unsubscribed, a signed webhook. Then the whole log is searched
 * for every secret that was used.
 */
const API_TOKEN = 'SECRET-api-token-0123456789';
const GENERIC_TOKEN = 'SECRET-generic-hook-token-0123';
const SNS_TOKEN = 'SECRET-sns-hook-token-0123456';
const WEBHOOK_SECRET = `whsec_${Buffer.from('SECRET-webhook-signing-key-32-b!').toString('base64')}`;
const PUBLIC = 'https://herald.example.com';

const ses = new FakeSes();
const twilio = new FakeTwilio(`AC${'0'.repeat(31)}7`, 'SECRET-twilio-auth-token');
const hook = new FakeWebhookReceiver(WEBHOOK_SECRET);
const logs = captureLogs('trace');
let t: TestDatabase;
let herald: RunningHerald;

const yaml = () => `
organization: { name: Acme }
services: [{ id: checkout, name: Checkout, component: checkout }]
people:
  - { id: ada, name: Ada, email: ada@example.com, phone: '+15555550101', audience: technical, contact_order: [email, sms] }
webhooks:
  - { id: bus, url: '${hook.url}/herald', secret: '\${HOOK_SECRET}' }
integrations:
  - { id: scripts, type: generic, token: '\${GENERIC_TOKEN}', default_service: checkout, default_severity: critical }
  - { id: cloudwatch, type: sns, token: '\${SNS_TOKEN}' }
rules:
  - name: page
    when: { severity_at_least: high }
    notify: { people: [ada], channels: [email, sms, webhook], webhooks: [bus] }
status_page:
  components: [{ id: checkout, name: Checkout }]
`;

beforeAll(async () => {
  await Promise.all([ses.start(), twilio.start(), hook.start()]);
  process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'SECRET-aws-secret-key';
  t = await createTestDatabase();
  herald = await startTestHerald({
    databaseUrl: t.url,
    configYaml: yaml(),
    logger: logs.logger,
    env: {
      HERALD_API_TOKEN: API_TOKEN,
      HERALD_PUBLIC_URL: PUBLIC,
      HOOK_SECRET: WEBHOOK_SECRET,
      GENERIC_TOKEN,
      SNS_TOKEN,
      AWS_REGION: 'eu-west-1',
      SES_FROM: 'herald@example.com',
      AWS_ENDPOINT_URL_SES: ses.url,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+15555550000',
      TWILIO_API_URL: twilio.url,
    },
  });
});

afterAll(async () => {
  await herald.stop(); // again: stop() is idempotent
  await t.drop();
  await Promise.all([ses.stop(), twilio.stop(), hook.stop()]);
});

const url = (): string => herald.url ?? '';
/** The path and query of a link Herald sent (its public URL points elsewhere), on this server. */
const local = (link: string): string => `${url()}${link.slice(PUBLIC.length)}`;
function linkIn(text: string | undefined, pattern: RegExp): string {
  const m = pattern.exec(text ?? '');
  if (!m) throw new Error(`no link matching ${String(pattern)} in: ${text ?? ''}`);
  return m[0];
}
const form = (link: string, body: Record<string, string> = {}) =>
  fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });

it('logs every request of a full run, and no secret used in it', async () => {
  // Alert hooks: Bearer (generic) and ?token= (SNS, as documented; the body is refused, unsigned).
  const alert = await call(`${url()}/hooks/generic`, {
    token: GENERIC_TOKEN,
    json: { title: 'Checkout 5xx' },
  });
  expect(alert.status).toBe(200);
  const sns = await call(`${url()}/hooks/sns?token=${SNS_TOKEN}`, {
    raw: JSON.stringify({ Type: 'Notification', MessageId: 'm-1', TopicArn: 'arn:aws:sns:eu-west-1:1:t' }),
    headers: { 'content-type': 'text/plain; charset=UTF-8' },
  });
  expect(sns.status).toBeGreaterThanOrEqual(400);
  expect(sns.status).toBeLessThan(500);

  // The page: email and SMS, each with an acknowledge link; the webhook, signed.
  await ses.waitFor((calls) => calls.some((c) => c.to.includes('ada@example.com') && c.status === 200));
  await twilio.waitFor((calls) => calls.some((c) => c.status === 201));
  await hook.waitFor((requests) => requests.length > 0);
  const ackPattern = new RegExp(`${PUBLIC}/ack/[A-Za-z0-9_.-]+`);
  const emailAck = linkIn(ses.sent.find((c) => c.to.includes('ada@example.com'))?.text, ackPattern);
  const smsAck = linkIn(twilio.sent[0]?.body, ackPattern);
  expect((await fetch(local(emailAck))).status).toBe(200);
  expect((await form(local(emailAck))).status).toBe(200);
  expect((await form(local(emailAck))).status).toBe(409); // used: refused, and logged

  // A subscription: confirm, then unsubscribe (one-click POST to the link).
  expect((await call(`${url()}/subscribe`, { json: { email: 'fan@example.org' } })).status).toBe(202);
  await ses.waitFor((calls) => calls.some((c) => c.to.includes('fan@example.org') && c.status === 200));
  const confirmation = ses.sent.find((c) => c.to.includes('fan@example.org'))?.text;
  const confirm = linkIn(confirmation, new RegExp(`${PUBLIC}/subscribe/confirm\\?token=[A-Za-z0-9_-]+`));
  const unsubscribe = linkIn(confirmation, new RegExp(`${PUBLIC}/unsubscribe\\?token=[A-Za-z0-9_.-]+`));
  expect((await fetch(local(confirm))).status).toBe(200);
  expect((await form(local(confirm))).status).toBe(200);
  expect((await fetch(local(unsubscribe))).status).toBe(200);
  expect((await form(local(unsubscribe), { 'List-Unsubscribe': 'One-Click' })).status).toBe(200);

  const tokenOf = (link: string): string => /(?:\/ack\/|token=)(.+)$/.exec(link)?.[1] ?? link;
  const secrets = {
    API_TOKEN,
    GENERIC_TOKEN,
    SNS_TOKEN,
    WEBHOOK_SECRET,
    webhookKey: WEBHOOK_SECRET.slice('whsec_'.length),
    twilioAuthToken: twilio.authToken,
    awsSecret: 'SECRET-aws-secret-key',
    emailAckToken: tokenOf(emailAck),
    smsAckToken: tokenOf(smsAck),
    confirmToken: tokenOf(confirm),
    unsubscribeToken: tokenOf(unsubscribe),
  };
  await herald.stop(); // shutdown lines too
  const text = logs.text();
  // The log did record those requests (so the search below could have found the secrets).
  for (const logged of [
    '"url":"/hooks/generic"',
    '"url":"/hooks/sns?token=[redacted]"',
    '"url":"/ack/[redacted]"',
    '"url":"/subscribe/confirm?token=[redacted]"',
    '"url":"/unsubscribe?token=[redacted]"',
  ])
    expect(text).toContain(logged);
  expect(Object.entries(secrets).filter(([, secret]) => text.includes(secret))).toEqual([]);
  expect(text).not.toMatch(/SECRET-/);
});
