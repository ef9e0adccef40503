import { DateTime } from 'luxon';
import { addJob } from '../../src/db/jobs';
import type { RunningHerald } from '../../src/main';
import { verifyAudit } from '../../src/notifications/audit';
import type { DeliveryRow } from '../../src/notifications/tables';
import { ManualClock } from '../../src/common/clock';
import { FakePagerDuty } from '../fakes/pagerduty';
import { FakeSes } from '../fakes/ses';
import { FakeSns } from '../fakes/sns';
import { FakeTwilio } from '../fakes/twilio';
import { FakeWebhookReceiver } from '../fakes/webhook';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';
import { call } from '../support/http';

/**
 * The delivery engine end to end: the real composition root over a test database, the real SDK
 * clients (AWS, Twilio, axios) against fake providers on 127.0.0.1, time moved by a ManualClock.
 */
const TOKEN = 'engine-test-token-0123456789';
const SECRET = `whsec_${Buffer.from('engine-test-webhook-secret-32-bytes!').toString('base64')}`;
const ses = new FakeSes();
const sns = new FakeSns();
const twilio = new FakeTwilio();
const pd = new FakePagerDuty();
const hook = new FakeWebhookReceiver(SECRET);
// Real "now" so webhook signatures (checked against real time by the receiver) verify.
const clock = new ManualClock(DateTime.utc().startOf('second'));
let t: TestDatabase;
let herald: RunningHerald;

const yaml = () => `
organization: { name: Acme }
services: [{ id: checkout, name: Checkout }]
people:
  - { id: ada, name: Ada, email: ada@example.com, phone: '+15555550101', audience: technical, contact_order: [sms, email] }
  - { id: ben, name: Ben, email: ben@example.com, audience: business, timezone: Europe/London, quiet_hours: { start: '22:00', end: '07:00' } }
  - { id: cat, name: Cat, email: cat@example.com, phone: '+15555550103', audience: technical, contact_order: [sms, email] }
webhooks:
  - { id: bus, url: '${hook.url}/herald', secret: '\${HOOK_SECRET}' }
rules:
  - name: page
    when: { severity_at_least: high, services: [checkout] }
    notify: { people: [ada], channels: [sms, email, pagerduty, webhook, sns], webhooks: [bus] }
  - name: business
    when: { severity_at_least: medium, events: [declared, resolved] }
    notify: { audiences: [business], channels: [email] }
  - name: cat-sms
    when: { severity: [low] }
    notify: { people: [cat], channels: [sms] }
`;

beforeAll(async () => {
  await Promise.all([ses.start(), sns.start(), twilio.start(), pd.start(), hook.start()]);
  process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
  t = await createTestDatabase();
  herald = await startTestHerald({
    databaseUrl: t.url,
    clock,
    configYaml: yaml(),
    env: {
      HERALD_API_TOKEN: TOKEN,
      HOOK_SECRET: SECRET,
      AWS_REGION: 'eu-west-1',
      SES_FROM: 'herald@example.com',
      AWS_ENDPOINT_URL_SES: ses.url,
      AWS_ENDPOINT_URL_SNS: sns.url,
      SNS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:herald',
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+15555550000',
      TWILIO_API_URL: twilio.url,
      PAGERDUTY_ROUTING_KEY: 'R0UTINGKEY0123456789abcdefABCDEF',
      PAGERDUTY_EVENTS_URL: pd.eventsUrl,
    },
  });
});

afterAll(async () => {
  await herald.stop();
  await t.drop();
  await Promise.all([ses.stop(), sns.stop(), twilio.stop(), pd.stop(), hook.stop()]);
});

async function deliveries(ref: string): Promise<DeliveryRow[]> {
  const id = Number(ref.slice(4));
  return t.db.selectFrom('deliveries').selectAll().where('incident_id', '=', id).orderBy('id').execute();
}

/** Polls the database until `pred` holds for the incident's deliveries (the worker is async). */
async function until(
  ref: string,
  pred: (ds: DeliveryRow[]) => boolean,
  what: string,
): Promise<DeliveryRow[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ds = await deliveries(ref);
    if (pred(ds)) return ds;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}: ${JSON.stringify(ds.map((d) => [d.channel, d.status, d.attempts, d.reason]))}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const by = (ds: DeliveryRow[], channel: string, recipient?: string) =>
  ds.filter((d) => d.channel === channel && (recipient === undefined || d.recipient_id === recipient));

async function declare(severity: string, title: string, services = ['checkout']): Promise<string> {
  const r = await call(`${herald.url}/api/v1/incidents`, {
    token: TOKEN,
    json: { title, severity, services },
  });
  expect(r.status).toBe(201);
  return (r.body as { ref: string }).ref;
}

it('fans a declaration out to every channel through the real SDKs, records each attempt, and keeps the audit intact', async () => {
  const ref = await declare('critical', 'Checkout <b>down</b>');
  const ds = await until(ref, (x) => x.length === 6 && x.every((d) => d.status === 'sent'), 'all sent');
  expect(ds.map((d) => `${d.recipient_id}/${d.channel}`).sort()).toEqual(
    [
      'ada/email',
      'ada/sms',
      'ben/email',
      'env/pagerduty',
      'bus/webhook',
      'arn:aws:sns:eu-west-1:123456789012:herald/sns',
    ].sort(),
  );
  expect(twilio.sent.map((c) => c.params.To)).toContain('+15555550101');
  expect(ses.sent.map((c) => c.params['Destination.ToAddresses.member.1']).sort()).toEqual([
    'ada@example.com',
    'ben@example.com',
  ]);
  const html = String(
    ses.sent.find((c) => c.params['Destination.ToAddresses.member.1'] === 'ada@example.com')?.params[
      'Message.Body.Html.Data'
    ],
  );
  expect(html).toContain('Checkout &lt;b>down&lt;/b>');
  expect(html).not.toContain('<b>');
  expect(html).toMatch(/href="http:\/\/[^"]+\/ack\/[\w-]+\.[\w-]+"/); // a signed acknowledge link in the page
  expect(pd.accepted[0]?.event).toMatchObject({
    event_action: 'trigger',
    dedup_key: `herald-${ref}`,
    routing_key: 'R0UTINGKEY0123456789abcdefABCDEF',
  });
  expect(hook.accepted).toHaveLength(1);
  expect(hook.accepted[0]?.id).toBe(ds.find((d) => d.channel === 'webhook')?.idempotency_key);
  expect(sns.delivered).toHaveLength(1);

  // Business wording: no severity code, what is affected in plain words.
  const benText = String(
    ses.sent.find((c) => c.params['Destination.ToAddresses.member.1'] === 'ben@example.com')?.params[
      'Message.Body.Text.Data'
    ],
  );
  expect(benText).toMatch(/Checkout has a major outage since/);
  expect(benText).not.toMatch(/CRITICAL/);

  const audit = await call(`${herald.url}/api/v1/incidents/${ref}/deliveries`, { token: TOKEN });
  const rows = (
    audit.body as {
      deliveries: Array<{
        status: string;
        attempt_log: Array<{ outcome: string; provider_id: string | null }>;
      }>;
    }
  ).deliveries;
  expect(rows.every((d) => d.attempt_log.length === 1 && d.attempt_log[0]!.outcome === 'sent')).toBe(true);
  await herald.tick(); // seals the audit rows written so far
  const verdict = await verifyAudit(t.db);
  expect(verdict).toEqual({ rows: expect.any(Number), unsealed: 0 });
  expect(verdict.rows).toBeGreaterThanOrEqual(12); // 6 planned + 6 sent, at least
});

it('retries a provider that answers 500 twice, then 200: delivered, three attempts recorded', async () => {
  twilio.fail({ status: 500 }, { status: 500 });
  const ref = await declare('low', 'Disk filling', []);
  const isSms = (x: DeliveryRow[]) => by(x, 'sms', 'cat')[0];
  let sms = isSms(
    await until(ref, (x) => isSms(x)?.attempts === 1 && isSms(x)?.status === 'pending', 'first failure'),
  )!;
  const due = DateTime.fromJSDate(sms.next_attempt_at!);
  expect(due > clock.now()).toBe(true);
  clock.set(due);
  await herald.tick();
  sms = isSms(
    await until(ref, (x) => isSms(x)?.attempts === 2 && isSms(x)?.status === 'pending', 'second failure'),
  )!;
  clock.set(DateTime.fromJSDate(sms.next_attempt_at!));
  await herald.tick();
  sms = isSms(await until(ref, (x) => isSms(x)?.status === 'sent', 'sent'))!;
  const attempts = await t.db
    .selectFrom('delivery_attempts')
    .selectAll()
    .where('delivery_id', '=', sms.id)
    .orderBy('attempt')
    .execute();
  expect(attempts.map((a) => [a.attempt, a.outcome, a.http_status])).toEqual([
    [1, 'retryable', 500],
    [2, 'retryable', 500],
    [3, 'sent', 201],
  ]);
});

it('honours 429 Retry-After: nothing is sent before it, the retry goes after', async () => {
  twilio.fail({ status: 429, retryAfter: 120 });
  const ref = await declare('low', 'Rate limited');
  const first = (x: DeliveryRow[]) =>
    by(x, 'sms')[0]?.attempts === 1 && by(x, 'sms')[0]?.status === 'pending';
  const sms = by(await until(ref, first, 'first attempt'), 'sms')[0]!;
  const wait = DateTime.fromJSDate(sms.next_attempt_at!).diff(clock.now(), 'seconds').seconds;
  expect(wait).toBeGreaterThanOrEqual(120);
  clock.advance({ seconds: 119 });
  await herald.tick();
  expect(by(await deliveries(ref), 'sms')[0]).toMatchObject({ status: 'pending', attempts: 1 });
  clock.advance({ seconds: Math.ceil(wait) - 119 });
  await herald.tick();
  await until(ref, (x) => by(x, 'sms')[0]?.status === 'sent', 'sent after Retry-After');
});

it('falls back to the next contact method after a permanent failure, and records why', async () => {
  twilio.fail({ status: 400, code: 21211, message: 'Invalid To number' });
  const ref = await declare('low', 'Bad number');
  const ds = await until(ref, (x) => by(x, 'email', 'cat')[0]?.status === 'sent', 'fallback email sent');
  const [sms] = by(ds, 'sms', 'cat');
  const [email] = by(ds, 'email', 'cat');
  expect(sms).toMatchObject({ status: 'failed', attempts: 1 });
  expect(sms!.reason).toMatch(/fell back to email/);
  expect(email!.fallback_from).toBe(sms!.id);
  const kinds = await t.db
    .selectFrom('audit_log')
    .select('kind')
    .where('delivery_id', '=', sms!.id)
    .orderBy('id')
    .execute();
  expect(kinds.map((k) => k.kind)).toEqual(['delivery.planned', 'delivery.failed', 'delivery.fallback']);
});

it('holds non-critical messages in quiet hours and releases them when the window ends; critical goes through', async () => {
  // Ben's nights (22:00-07:00 London) after the clock's present: the clock only ever moves forward.
  const night = clock.now().setZone('Europe/London').plus({ days: 1 }).set({ hour: 23, minute: 30 });
  const morning = night.plus({ days: 1 }).set({ hour: 7, minute: 0 });
  clock.set(night);
  const ref = await declare('medium', 'Slow search', []);
  let [ben] = by(await until(ref, (x) => by(x, 'email', 'ben').length === 1, 'planned'), 'email', 'ben');
  expect(ben).toMatchObject({ status: 'held', reason: 'quiet hours until 07:00 Europe/London' });
  clock.set(morning.minus({ minutes: 1 }));
  await herald.tick();
  expect(by(await deliveries(ref), 'email', 'ben')[0]?.status).toBe('held');
  clock.set(morning);
  await herald.tick();
  [ben] = by(
    await until(ref, (x) => by(x, 'email', 'ben')[0]?.status === 'sent', 'released'),
    'email',
    'ben',
  );
  const trail = await t.db
    .selectFrom('audit_log')
    .select(['kind', 'data'])
    .where('delivery_id', '=', ben!.id)
    .orderBy('id')
    .execute();
  expect(trail.map((a) => [a.kind, a.data.reason ?? null])).toEqual([
    ['delivery.held', 'quiet hours until 07:00 Europe/London'],
    ['delivery.planned', 'released after quiet hours'],
    ['delivery.sent', null],
  ]);

  clock.set(morning.set({ hour: 23, minute: 30 }));
  const critical = await declare('critical', 'Checkout down at night');
  await until(critical, (x) => by(x, 'email', 'ben')[0]?.status === 'sent', 'critical not held');
});

it('never records a second success when a job for a sent delivery runs again', async () => {
  const ref = await declare('low', 'Re-run');
  const [sms] = by(await until(ref, (x) => by(x, 'sms')[0]?.status === 'sent', 'sent'), 'sms');
  const before = twilio.calls.length;
  await addJob(t.db, 'delivery.send', { id: sms!.id });
  await addJob(t.db, 'delivery.send', { id: sms!.id });
  await herald.tick();
  await new Promise((r) => setTimeout(r, 300)); // give the worker the chance to (wrongly) send
  expect(twilio.calls.length).toBe(before);
  const attempts = await t.db
    .selectFrom('delivery_attempts')
    .select('outcome')
    .where('delivery_id', '=', sms!.id)
    .execute();
  expect(attempts).toEqual([{ outcome: 'sent' }]);
});

it('reports statistics: deliveries by channel and outcome, MTTA, MTTR', async () => {
  clock.advance({ days: 2 }); // a window with this incident alone
  const ref = await declare('high', 'Stats');
  clock.advance({ minutes: 4 });
  await call(`${herald.url}/api/v1/incidents/${ref}/acknowledge`, { token: TOKEN, method: 'POST' });
  clock.advance({ minutes: 6 });
  await call(`${herald.url}/api/v1/incidents/${ref}/resolve`, { token: TOKEN, json: {} });
  const r = await call(`${herald.url}/api/v1/stats?hours=1`, { token: TOKEN });
  expect(r.status).toBe(200);
  const stats = r.body as {
    mtta_seconds: number;
    mttr_seconds: number;
    deliveries: { by_channel: Record<string, Record<string, number>> };
    incidents: { declared: number };
  };
  expect(stats.mtta_seconds).toBe(240);
  expect(stats.mttr_seconds).toBe(600);
  expect(stats.incidents.declared).toBe(1);
  await herald.refreshMetrics();
  const metrics = String((await call(`${herald.url}/metrics`, { token: TOKEN })).body);
  expect(metrics).toMatch(/^herald_mtta_seconds 240$/m);
  expect(metrics).toMatch(/^herald_mttr_seconds 600$/m);
  expect(metrics).toMatch(/^herald_deliveries_by_status\{channel="sms",status="sent"\} \d+$/m);
  expect(Object.keys(stats.deliveries.by_channel).sort()).toEqual([
    'email',
    'pagerduty',
    'sms',
    'sns',
    'webhook',
  ]);
});

it('detects an edited audit row, and a deleted one', async () => {
  await herald.tick();
  expect((await verifyAudit(t.db)).brokenAt).toBeUndefined();
  const rows = await t.db
    .selectFrom('audit_log')
    .select(['id', 'seq'])
    .orderBy('seq')
    .limit(2)
    .offset(3)
    .execute();
  const [edited, deleted] = rows as [{ id: number; seq: number }, { id: number; seq: number }];

  await t.db
    .updateTable('audit_log')
    .set({ data: JSON.stringify({ forged: true }) })
    .where('id', '=', edited.id)
    .execute();
  expect((await verifyAudit(t.db)).brokenAt).toEqual({
    id: edited.id,
    seq: edited.seq,
    problem: 'content does not match its hash (the row was edited)',
  });

  await t.db.deleteFrom('audit_log').where('id', 'in', [edited.id, deleted.id]).execute();
  expect((await verifyAudit(t.db)).brokenAt).toMatchObject({
    seq: deleted.seq + 1,
    problem: 'the chain is broken before this row (a row was removed or reordered)',
  });
});
