import { DateTime } from 'luxon';
import { refOf } from '../../src/incidents/incident';
import type { RunningHerald } from '../../src/main';
import { verifyAudit } from '../../src/notifications/audit';
import type { AttemptRow, DeliveryRow } from '../../src/notifications/tables';
import { ManualClock } from '../../src/common/clock';
import { FakeSes } from '../fakes/ses';
import { FakeTwilio, type TwilioCall, type TwilioFault } from '../fakes/twilio';
import { FakeWebhookReceiver, type WebhookFault, type WebhookRequest } from '../fakes/webhook';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';
import { call } from '../support/http';
import { recordFigures } from '../support/figures';
import { fastForward, idle } from './support';

/**
 * Issue #8, fault suite: a provider down for ten minutes. Twilio and the webhook receiver fail
 * every call for 10 minutes of injected-clock time, with a mix of 5xx (some with Retry-After),
 * hangs longer than the client timeout, and dropped connections, while four incidents fan out
 * to five people (SMS) and a webhook. SES, the fallback channel, stays up. The clock is
 * fast-forwarded from one due retry to the next; only the provider timeouts take real time, and
 * those are shortened through the adapters' test seam (`providerTimeoutMs`, `webhooks[].timeout_ms`).
 */
const TOKEN = 'faults-outage-token-0123456789';
/**
 * Long enough that an answering fake never times out, even on a machine loaded several times over
 * (800 ms was not: a webhook's successful attempt timed out and the delivery died).
 */
const TIMEOUT_MS = 3_000;
/** A hang: the fake answers (if anyone is still listening) long after the client gave up. */
const HANG_MS = 10_000;
const OUTAGE = { minutes: 10 };
const MAX_ATTEMPTS = 7;
const INCIDENTS = 4;
/** Provider timeouts take real time (3 s each, several in a row): about 40 s; the bound only detects a hang. */
jest.setTimeout(180_000);

const ses = new FakeSes();
const twilio = new FakeTwilio();
const hook = new FakeWebhookReceiver(); // unsigned: the clock runs 12 minutes ahead of real time
const clock = new ManualClock(DateTime.utc().startOf('second'));
const T0 = clock.now();
const outageEnds = T0.plus(OUTAGE);
const down = (): boolean => clock.now() < outageEnds;

/**
 * Twilio during the outage, by the message's attempt number (Twilio takes no idempotency key, so
 * the number and the incident reference in the body identify a message; the body itself changes
 * between attempts, as its acknowledge link is signed afresh): 500, dropped connection, a hang
 * (p1 and p4; the others 504), 503, 502, 429 with Retry-After 90 s, 500. Every SMS exhausts its 7
 * attempts within the outage.
 */
const HANGS_FOR = new Set(['+15555550101', '+15555550104']);
function twilioFault(n: number, to: string): TwilioFault | undefined {
  const faults: TwilioFault[] = [
    { status: 500 },
    { drop: true },
    HANGS_FOR.has(to) ? { delayMs: HANG_MS } : { status: 504 },
    { status: 503 },
    { status: 502 },
    { status: 429, retryAfter: 90 },
    { status: 500 },
  ];
  return faults[n - 1];
}
/** The HTTP status Herald records for each attempt of an SMS to `to` (none: no answer). */
const twilioStatuses = (to: string) => [500, null, HANGS_FOR.has(to) ? null : 504, 503, 502, 429, 500];

/**
 * The webhook during the outage, by attempt number of its webhook-id: 503 with Retry-After 240 s
 * on odd attempts, a hang and then a dropped connection in between. Attempts 1, 3 and 5 each push
 * the next one 240 s later, so attempt 6 comes after the outage and succeeds.
 */
const webhookFault = (n: number): WebhookFault =>
  n % 2 === 1 ? { status: 503, retryAfter: 240 } : n === 2 ? { delayMs: HANG_MS } : { drop: true };

/** A fault policy for the outage: the fault for the n-th call of each message, while it lasts. */
function countingBy<Call, Fault>(key: (c: Call) => string, pick: (n: number, c: Call) => Fault | undefined) {
  const seen = new Map<string, number>();
  return (c: Call): Fault | undefined => {
    const n = (seen.get(key(c)) ?? 0) + 1;
    seen.set(key(c), n);
    return down() ? pick(n, c) : undefined;
  };
}

const people = [1, 2, 3, 4, 5].map((i) => ({
  id: `p${i}`,
  phone: `+1555555010${i}`,
  email: `p${i}@example.com`,
  // p1–p3 can be reached by email too; p4 and p5 by SMS only.
  order: i <= 3 ? '[sms, email]' : '[sms]',
}));
const yaml = () => `
organization: { name: Acme }
services: [{ id: checkout, name: Checkout }]
people:
${people.map((p) => `  - { id: ${p.id}, name: ${p.id.toUpperCase()}, email: ${p.email}, phone: '${p.phone}', contact_order: ${p.order} }`).join('\n')}
webhooks:
  - { id: bus, url: '${hook.url}/herald', timeout_ms: ${TIMEOUT_MS} }
rules:
  - name: page
    when: { events: [declared] }
    notify: { people: [${people.map((p) => p.id).join(', ')}], channels: [sms, webhook], webhooks: [bus] }
delivery: { max_attempts: ${MAX_ATTEMPTS} }
`;

let t: TestDatabase;
let herald: RunningHerald;

beforeAll(async () => {
  await Promise.all([ses.start(), twilio.start(), hook.start()]);
  process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
  t = await createTestDatabase();
  herald = await startTestHerald({
    databaseUrl: t.url,
    clock,
    configYaml: yaml(),
    providerTimeoutMs: TIMEOUT_MS,
    env: {
      HERALD_API_TOKEN: TOKEN,
      AWS_REGION: 'eu-west-1',
      SES_FROM: 'herald@example.com',
      AWS_ENDPOINT_URL_SES: ses.url,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+15555550000',
      TWILIO_API_URL: twilio.url,
    },
  });
  twilio.failWith(
    countingBy(
      (c: TwilioCall) => `${c.to} ${/INC-\d+/.exec(c.body ?? '')?.[0]}`,
      (n, c) => twilioFault(n, c.to ?? ''),
    ),
  );
  hook.failWith(countingBy((r: WebhookRequest) => r.id ?? '', webhookFault));
});

afterAll(async () => {
  await herald?.stop();
  await t?.drop();
  await Promise.all([ses.stop(), twilio.stop(), hook.stop()]);
});

const seconds = (a: Date, b: Date): number => (b.getTime() - a.getTime()) / 1000;

test('ten minutes of 5xx, hangs and resets: backoff and Retry-After on the clock, fallback recorded, nothing left in flight, nothing sent twice', async () => {
  const started = Date.now();
  const drive = { clock, db: t.db, tick: herald.tick };
  const refs: string[] = [];
  for (let i = 0; i < INCIDENTS; i++) {
    // One declaration every 10 s of clock time, the retries of the earlier ones running meanwhile.
    await fastForward(drive, T0.plus({ seconds: 10 * i }));
    const r = await call(`${herald.url}/api/v1/incidents`, {
      token: TOKEN,
      json: { title: `Checkout outage ${i + 1}`, severity: 'critical', services: ['checkout'] },
    });
    expect(r.status).toBe(201);
    refs.push((r.body as { ref: string }).ref);
  }
  const ticks = await fastForward(drive);
  await idle(t.db);
  expect(clock.now() > outageEnds).toBe(true); // the last retries ran after the provider came back

  const deliveries: DeliveryRow[] = await t.db.selectFrom('deliveries').selectAll().orderBy('id').execute();
  const attempts: AttemptRow[] = await t.db
    .selectFrom('delivery_attempts')
    .selectAll()
    .orderBy('delivery_id')
    .orderBy('attempt')
    .execute();
  const of = (d: DeliveryRow) => attempts.filter((a) => a.delivery_id === d.id);
  const sms = deliveries.filter((d) => d.channel === 'sms');
  const email = deliveries.filter((d) => d.channel === 'email');
  const webhook = deliveries.filter((d) => d.channel === 'webhook');

  // Every delivery ended: sent, failed over to another channel, or dead (those two with their
  // reason); none pending, sending, claimed or due again.
  expect(deliveries.filter((d) => !['sent', 'failed', 'dead'].includes(d.status))).toEqual([]);
  expect(deliveries.filter((d) => d.claimed_at !== null || d.next_attempt_at !== null)).toEqual([]);
  expect(deliveries.filter((d) => d.status !== 'sent' && !d.reason)).toEqual([]);
  expect(sms).toHaveLength(INCIDENTS * people.length);
  for (const d of sms) {
    expect(d.attempts).toBe(MAX_ATTEMPTS);
    expect(of(d)).toHaveLength(MAX_ATTEMPTS);
    const fallsBack = ['p1', 'p2', 'p3'].includes(d.recipient_id);
    expect(d.status).toBe(fallsBack ? 'failed' : 'dead');
    expect(d.reason).toMatch(
      fallsBack
        ? /^gave up after 7 attempts: Twilio answered HTTP 500.*; fell back to email$/
        : /^gave up after 7 attempts: Twilio answered HTTP 500.*; no other contact method$/,
    );
  }

  // Backoff: the scheduled delay grows with every attempt, within the policy's bounds (2 s base,
  // equal jitter), and Retry-After wins where sent (429 at attempt 6: 90 s). No attempt was early.
  for (const d of sms) {
    const log = of(d);
    const delays = log.slice(0, -1).map((a) => seconds(a.started_at, a.retry_at!));
    delays.forEach((delay, i) => {
      const step = 2 * 2 ** i;
      if (i === 5) expect(delay).toBeGreaterThanOrEqual(90);
      else {
        expect(delay).toBeGreaterThanOrEqual(step / 2);
        expect(delay).toBeLessThanOrEqual(step);
      }
      if (i > 0) expect(delay).toBeGreaterThanOrEqual(delays[i - 1]!);
      expect(log[i + 1]!.started_at.getTime()).toBeGreaterThanOrEqual(log[i]!.retry_at!.getTime());
    });
    expect(log.map((a) => a.http_status)).toEqual(twilioStatuses(d.address));
    expect(log[1]!.error).toBe('Twilio unreachable (ECONNRESET)');
    if (HANGS_FOR.has(d.address)) expect(log[2]!.error).toBe('Twilio timed out');
    expect(log.every((a) => a.started_at < outageEnds.toJSDate())).toBe(true);
  }

  // The fallback: one email per SMS that gave up on a person with email next in contact_order,
  // sent once, linked to the SMS it replaces and planned only after that SMS's last attempt.
  const failed = sms.filter((d) => d.status === 'failed');
  expect(email).toHaveLength(failed.length);
  for (const e of email) {
    const from = failed.find((d) => d.id === e.fallback_from)!;
    expect(from).toBeDefined();
    expect(e).toMatchObject({ status: 'sent', recipient_id: from.recipient_id, event_id: from.event_id });
    expect(of(e)).toHaveLength(1);
    expect(e.created_at.getTime()).toBeGreaterThanOrEqual(of(from).at(-1)!.started_at.getTime());
  }
  expect(ses.sent).toHaveLength(email.length);
  expect(new Set(ses.sent.map((c) => c.tags['herald-idempotency-key'])).size).toBe(email.length);

  // The webhook: Retry-After 240 s honoured three times, then delivered at attempt 6 once the
  // receiver was back; one accepted request per webhook-id (the idempotency key).
  expect(webhook).toHaveLength(INCIDENTS);
  for (const d of webhook) {
    const log = of(d);
    expect(d.status).toBe('sent');
    expect(log.map((a) => a.outcome)).toEqual([
      'retryable',
      'retryable',
      'retryable',
      'retryable',
      'retryable',
      'sent',
    ]);
    expect(log.map((a) => a.http_status)).toEqual([503, null, 503, null, 503, 204]);
    for (const i of [0, 2, 4]) {
      expect(seconds(log[i]!.started_at, log[i]!.retry_at!)).toBe(240);
      expect(seconds(log[i]!.started_at, log[i + 1]!.started_at)).toBeGreaterThanOrEqual(240);
    }
    expect(log[1]!.error).toBe('webhook endpoint timed out');
    expect(log[3]!.error).toBe('webhook endpoint unreachable (ECONNRESET)');
    expect(log[5]!.started_at >= outageEnds.toJSDate()).toBe(true);
  }
  expect(hook.requests.filter((r) => r.status === 204)).toHaveLength(INCIDENTS);
  expect(hook.uniqueIds.sort()).toEqual(webhook.map((d) => d.idempotency_key).sort());
  for (const d of webhook) {
    // Every try of one delivery carried the same key, so a de-duplicating receiver sees one.
    expect(hook.requests.filter((r) => r.id === d.idempotency_key)).toHaveLength(6);
  }
  expect(twilio.sent).toHaveLength(0); // nothing got through during the outage, so nothing twice

  // The audit: the whole history through the API, and an intact hash chain.
  const dead = sms.find((d) => d.status === 'dead')!;
  const fellBack = failed[0]!;
  const ref = refOf(fellBack.incident_id!);
  expect(refs).toContain(ref);
  const api = await call(`${herald.url}/api/v1/incidents/${ref}/deliveries`, { token: TOKEN });
  expect(api.status).toBe(200);
  type ApiDelivery = {
    id: number;
    channel: string;
    status: string;
    reason: string | null;
    fallback_from: number | null;
    attempt_log: Array<{ outcome: string; http_status: number | null; error: string | null }>;
  };
  const listed = (api.body as { deliveries: ApiDelivery[] }).deliveries;
  expect(listed).toHaveLength(people.length + 1 + 3); // 5 SMS, the webhook, 3 fallback emails
  const listedSms = listed.find((d) => d.id === fellBack.id)!;
  expect(listedSms).toMatchObject({ status: 'failed', reason: fellBack.reason });
  expect(listedSms.attempt_log.map((a) => a.http_status)).toEqual(twilioStatuses(fellBack.address));
  expect(listed.find((d) => d.fallback_from === fellBack.id)).toMatchObject({
    channel: 'email',
    status: 'sent',
  });
  const trail = async (id: number) =>
    (
      await t.db.selectFrom('audit_log').select('kind').where('delivery_id', '=', id).orderBy('id').execute()
    ).map((a) => a.kind);
  const retries = Array(MAX_ATTEMPTS - 1).fill('delivery.attempt');
  expect(await trail(fellBack.id)).toEqual([
    'delivery.planned',
    ...retries,
    'delivery.failed',
    'delivery.fallback',
  ]);
  expect(await trail(dead.id)).toEqual(['delivery.planned', ...retries, 'delivery.dead']);
  await herald.tick(); // seals what is left
  expect(await verifyAudit(t.db)).toEqual({ rows: expect.any(Number), unsealed: 0 });

  // /metrics: the dead count and the outcome counters.
  await herald.refreshMetrics();
  const metrics = String((await call(`${herald.url}/metrics`, { token: TOKEN })).body);
  const deadCount = sms.filter((d) => d.status === 'dead').length;
  expect(deadCount).toBe(INCIDENTS * 2);
  expect(metrics).toMatch(
    new RegExp(`^herald_deliveries_by_status\\{channel="sms",status="dead"\\} ${deadCount}$`, 'm'),
  );
  expect(metrics).toMatch(
    new RegExp(`^herald_delivery_outcomes_total\\{channel="sms",outcome="dead"\\} ${deadCount}$`, 'm'),
  );
  expect(metrics).toMatch(
    new RegExp(`^herald_delivery_outcomes_total\\{channel="sms",outcome="failed"\\} ${failed.length}$`, 'm'),
  );

  // Figures for the README's Reliability section.
  recordFigures('provider-outage', {
    simulatedMinutes: Math.round(clock.now().diff(T0, 'minutes').minutes * 10) / 10,
    outageMinutes: 10,
    deliveries: deliveries.length,
    attempts: attempts.length,
    sent: deliveries.filter((d) => d.status === 'sent').length,
    fallbacks: email.length,
    dead: deadCount,
    providerCalls: { twilio: twilio.calls.length, webhook: hook.requests.length, ses: ses.calls.length },
    ticks,
    wallSeconds: (Date.now() - started) / 1000,
  });
});
