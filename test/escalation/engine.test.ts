import { DateTime } from 'luxon';
import type { RunningHerald } from '../../src/main';
import { ManualClock } from '../../src/common/clock';
import { FakeSlack } from '../fakes/slack';
import { FakeTwilio } from '../fakes/twilio';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';
import { call } from '../support/http';

/**
 * The escalation engine end to end with a fast-forwarded clock: the real app, real Twilio client
 * against a fake, and the Slack module against the fake Slack for reminders.
 */
const TOKEN = 'escalation-test-token-0123456789';
const twilio = new FakeTwilio();
const slack = new FakeSlack();
const clock = new ManualClock('2026-11-26T10:00:00Z');
let t: TestDatabase;
let herald: RunningHerald;

const yaml = `
services: [{ id: api, escalation_policy: default }, { id: web, escalation_policy: rota }]
schedules:
  - id: primary
    layers: [{ name: all, members: [ann], rotation: weekly, start: '2026-01-05' }]
people:
  - { id: ann, name: Ann, phone: '+15555550101' }
  - { id: bob, name: Bob, phone: '+15555550102' }
escalation_policies:
  - id: default
    repeat: 1
    reminder_minutes: 30
    levels:
      - { delay_minutes: 0, targets: [{ person: ann }], channels: [sms] }
      - { delay_minutes: 10, targets: [{ person: bob }], channels: [sms] }
  - id: rota
    levels:
      - { targets: [{ schedule: primary }], channels: [sms] }
`;

const env = () => ({
  HERALD_API_TOKEN: TOKEN,
  TWILIO_ACCOUNT_SID: twilio.accountSid,
  TWILIO_AUTH_TOKEN: twilio.authToken,
  TWILIO_FROM: '+15555550000',
  TWILIO_API_URL: twilio.url,
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_SIGNING_SECRET: 'escalation-test-signing-secret',
  SLACK_API_URL: slack.apiUrl,
  SLACK_INCIDENTS_CHANNEL: 'C0INCIDENTS',
});

const start = () => startTestHerald({ databaseUrl: t.url, clock, configYaml: yaml, env: env() });

beforeAll(async () => {
  await Promise.all([twilio.start(), slack.start()]);
  t = await createTestDatabase();
  herald = await start();
});

afterAll(async () => {
  await herald.stop();
  await t.drop();
  await Promise.all([twilio.stop(), slack.stop()]);
});

const api = (path: string, init: Parameters<typeof call>[1] = {}) =>
  call(`${herald.url}/api/v1${path}`, { token: TOKEN, ...init });

async function declare(title: string, services = ['api']): Promise<{ ref: string; id: number }> {
  const r = await api('/incidents', { json: { title, severity: 'high', services } });
  expect(r.status).toBe(201);
  const ref = (r.body as { ref: string }).ref;
  return { ref, id: Number(ref.slice(4)) };
}

/** SMS bodies Twilio accepted for a number, mentioning the incident. */
const smsTo = (to: string, ref: string) =>
  twilio.sent.filter((c) => c.to === to && (c.body ?? '').includes(ref));

/**
 * Waits until `pred` holds and no send is in flight (claimed, not yet recorded). A provider (the
 * fake) sees a send before the worker records it: a test that moved the clock in between would
 * find the claim stale and have it sent again. Deliveries still waiting their turn (pending, a
 * retry due later) are not in flight and do not hold the wait.
 */
async function waitFor(what: string, pred: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await pred()) || (await inFlight()) > 0) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function inFlight(): Promise<number> {
  const row = await t.db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'sending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function escalatedEvents(id: number): Promise<number> {
  const rows = await t.db
    .selectFrom('incident_events')
    .select('id')
    .where('incident_id', '=', id)
    .where('kind', '=', 'escalated')
    .execute();
  return rows.length;
}

it('pages level 0 at once, level 1 after its delay, repeats, and stops on acknowledgement', async () => {
  clock.set('2026-11-26T10:00:00Z');
  const { ref, id } = await declare('API errors');
  await waitFor('level 0 page to Ann', () => smsTo('+15555550101', ref).length === 1);
  expect(smsTo('+15555550102', ref)).toHaveLength(0);

  clock.set('2026-11-26T10:09:59Z');
  await herald.tick();
  expect(await escalatedEvents(id)).toBe(0);

  clock.set('2026-11-26T10:10:00Z');
  await herald.tick();
  await waitFor('level 1 page to Bob', () => smsTo('+15555550102', ref).length === 1);
  expect(await escalatedEvents(id)).toBe(1);

  clock.set('2026-11-26T10:20:00Z'); // repeat: round 2 starts again at level 0
  await herald.tick();
  await waitFor('round 2 page to Ann', () => smsTo('+15555550101', ref).length === 2);

  expect((await api(`/incidents/${ref}/acknowledge`, { method: 'POST' })).status).toBe(200);
  for (const at of ['2026-11-26T10:30:00Z', '2026-11-26T11:30:00Z']) {
    clock.set(at);
    await herald.tick();
  }
  expect(await escalatedEvents(id)).toBe(2);
  expect(smsTo('+15555550102', ref)).toHaveLength(1);
  const esc = await t.db
    .selectFrom('escalations')
    .selectAll()
    .where('incident_id', '=', id)
    .executeTakeFirstOrThrow();
  expect(esc.next_at).toBeNull();
});

it('reminds in the Slack thread when an acknowledged incident has no update for the policy’s minutes', async () => {
  clock.set('2026-11-27T10:00:00Z');
  const { ref } = await declare('Queue backlog');
  await api(`/incidents/${ref}/acknowledge`, { method: 'POST' });
  clock.set('2026-11-27T10:29:00Z');
  await herald.tick();
  clock.set('2026-11-27T10:30:00Z');
  await herald.tick();
  await slack.waitFor((calls) =>
    calls.some(
      (c) =>
        c.method === 'chat.postMessage' && String(c.args.text).includes(`Reminder: ${ref} is acknowledged`),
    ),
  );
  const reminder = slack
    .callsTo('chat.postMessage')
    .find((c) => String(c.args.text).includes(`Reminder: ${ref}`));
  expect(reminder?.args.thread_ts).toEqual(expect.any(String));
  expect(String(reminder?.args.text)).toContain('no update for 30 minutes');
});

it('fires each level once even when several workers tick at the same moment', async () => {
  clock.set('2026-11-28T10:00:00Z');
  const incidents = await Promise.all(Array.from({ length: 12 }, (_, i) => declare(`Storm ${i}`)));
  clock.set('2026-11-28T10:10:00Z');
  await Promise.all([herald.tick(), herald.tick(), herald.tick(), herald.tick()]);
  for (const { id } of incidents) expect(await escalatedEvents(id)).toBe(1);
});

it('fires a level that fell due while Herald was down exactly once on restart', async () => {
  clock.set('2026-11-29T10:00:00Z');
  const { ref, id } = await declare('Down while due');
  await waitFor('level 0', () => smsTo('+15555550101', ref).length === 1);
  await herald.stop();
  clock.set('2026-11-29T10:35:00Z'); // level 1 (10:10) and round 2 (10:20) both fell due
  herald = await start();
  await herald.tick();
  await herald.tick();
  expect(await escalatedEvents(id)).toBe(1);
  const esc = await t.db
    .selectFrom('escalations')
    .selectAll()
    .where('incident_id', '=', id)
    .executeTakeFirstOrThrow();
  expect(DateTime.fromJSDate(esc.next_at!).toUTC().toISO()).toBe('2026-11-29T10:45:00.000Z'); // the next step, from now
});

it('escalates at once from the API, paging the next level', async () => {
  clock.set('2026-11-30T10:00:00Z');
  const { ref, id } = await declare('Manual escalation');
  expect((await api(`/incidents/${ref}/escalate`, { json: { message: 'need Bob' } })).status).toBe(200);
  await waitFor('Bob paged', () => smsTo('+15555550102', ref).length === 1);
  expect(await escalatedEvents(id)).toBe(1);
});

it('pages whoever an API override put on call', async () => {
  clock.set('2026-12-04T10:00:00Z');
  const set = await api('/schedules/primary/overrides', {
    json: { person: 'bob', start: '2026-12-04T09:00:00Z', end: '2026-12-04T12:00:00Z' },
  });
  expect(set.status).toBe(201);
  const oncall = await api('/oncall');
  expect(oncall.body).toMatchObject({
    schedules: [{ id: 'primary', people: ['bob'], source: { kind: 'override' } }],
  });
  const { ref } = await declare('Web down', ['web']);
  await waitFor('Bob paged through the schedule', () => smsTo('+15555550102', ref).length === 1);
  expect(smsTo('+15555550101', ref)).toHaveLength(0);
  const bad = await api('/schedules/primary/overrides', {
    json: { person: 'zed', start: '2026-12-04T09:00:00Z', end: '2026-12-04T12:00:00Z' },
  });
  expect(bad.status).toBe(400);
  expect(bad.body).toMatchObject({ error: { code: 'Validation', message: 'person: unknown person "zed"' } });
});

describe('acknowledge links in pages', () => {
  const linkIn = (body: string): string => {
    const m = /(https?:\/\/\S+\/ack\/[\w-]+\.[\w-]+)/.exec(body);
    if (!m?.[1]) throw new Error(`no ack link in: ${body}`);
    return m[1].replace(/^https?:\/\/[^/]+/, herald.url!);
  };

  it('shows a confirm page on GET, acknowledges once on POST, and refuses reuse and tampering', async () => {
    clock.set('2026-12-01T10:00:00Z');
    const { ref, id } = await declare('Link ack');
    await waitFor('page with link', () => smsTo('+15555550101', ref).length === 1);
    const link = linkIn(smsTo('+15555550101', ref)[0]!.body ?? '');

    const page = await fetch(link);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`Acknowledge ${ref}`);
    expect(html).toContain('<form method="post">');
    const before = await t.db
      .selectFrom('incidents')
      .select('acknowledged_by')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(before.acknowledged_by).toBeNull(); // GET changed nothing

    const ok = await fetch(link, { method: 'POST' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain(`${ref} acknowledged`);
    const after = await t.db
      .selectFrom('incidents')
      .select('acknowledged_by')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(after.acknowledged_by).toBe('link:ann');

    const again = await fetch(link, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already been used');

    const tampered = link.slice(0, -1) + (link.endsWith('A') ? 'B' : 'A'); // one character of the signature;
    expect((await fetch(tampered, { method: 'POST' })).status).toBe(403);
  });

  it('refuses an expired link', async () => {
    clock.set('2026-12-02T10:00:00Z');
    const { ref, id } = await declare('Old link');
    await waitFor('page with link', () => smsTo('+15555550101', ref).length === 1);
    const link = linkIn(smsTo('+15555550101', ref)[0]!.body ?? '');
    clock.set('2026-12-03T10:00:01Z');
    const r = await fetch(link, { method: 'POST' });
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('expired');
    const inc = await t.db
      .selectFrom('incidents')
      .select('acknowledged_by')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(inc.acknowledged_by).toBeNull();
  });
});
