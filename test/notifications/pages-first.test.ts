import { DateTime } from 'luxon';
import { sql } from 'kysely';
import type { RunningHerald } from '../../src/main';
import { ManualClock } from '../../src/common/clock';
import * as m from '../../migrations/20261128T0100_delivery_priority';
import { derivePriority, PRIORITIES } from '../../src/notifications/priority';
import { FakeSes, type SesCall } from '../fakes/ses';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';
import { call } from '../support/http';
import { until } from '../support/process';

/**
 * "Pages first", end to end: a flood of status-page subscriptions leaves 298 confirmation emails
 * deferred behind the SES rate limit (10/s here, time frozen on a ManualClock, so no token accrues
 * until the test moves the clock), then a critical incident pages 12 responders by email. The
 * order in which the fake SES receives the calls shows the lanes: pages before the bulk backlog,
 * and bulk within its share while pages wait.
 */
const TOKEN = 'pages-first-token-0123456789abcdef';
const FLOOD = 300;
const RESPONDERS = 12;
const ses = new FakeSes();
const clock = new ManualClock(DateTime.utc().startOf('second'));
let t: TestDatabase;
let herald: RunningHerald;

const ids = Array.from({ length: RESPONDERS }, (_, i) => `r${i + 1}`);
const yaml = `
organization: { name: Acme }
services: [{ id: checkout, name: Checkout }]
people:
${ids.map((id) => `  - { id: ${id}, name: Responder ${id}, email: ${id}@example.com, audience: technical, contact_order: [email] }`).join('\n')}
rules:
  - name: page-responders
    when: { severity_at_least: high, events: [declared] }
    notify: { people: [${ids.join(', ')}], channels: [email] }
delivery: { ses_rate_per_second: 10, bulk_share: 0.2 }
status_page: { subscribe_limits: { per_client_per_minute: 1000, global_per_minute: 1000 } }
`;

beforeAll(async () => {
  await ses.start();
  process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
  t = await createTestDatabase();
  herald = await startTestHerald({
    databaseUrl: t.url,
    clock,
    configYaml: yaml,
    env: {
      HERALD_API_TOKEN: TOKEN,
      AWS_REGION: 'eu-west-1',
      SES_FROM: 'status@example.com',
      AWS_ENDPOINT_URL_SES: ses.url,
      HERALD_PUBLIC_URL: 'https://status.example.com',
    },
  });
});

afterAll(async () => {
  await herald.stop();
  await t.drop();
  await ses.stop();
});

const isPage = (c: SesCall) => c.to.some((a) => /^r\d+@example\.com$/.test(a));
const count = async (where: string): Promise<number> => {
  const r = await sql<{
    n: number;
  }>`select count(*)::int as n from deliveries where ${sql.raw(where)}`.execute(t.db);
  return r.rows[0]?.n ?? -1;
};
/** One gauge from /metrics, after the refresh the metrics timer would run (a scrape runs no query). */
const metric = async (name: string, labels: string): Promise<number> => {
  await herald.refreshMetrics();
  const res = await fetch(`${herald.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return Number(line?.split(' ').pop());
};

it('sends a critical page before a flood of confirmations, and bulk only within its share while pages wait', async () => {
  // The flood: every subscription's confirmation planned (bulk lane) and its job run.
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < FLOOD) {
        const n = next++;
        const r = await call(`${herald.url}/subscribe`, { json: { email: `fan${n}@example.org` } });
        expect(r.status).toBe(202);
      }
    }),
  );
  // Burst 10, and bulk leaves 3 of it for the other lanes: 7 sent, 293 deferred.
  await until(
    async () =>
      (await count(`priority = 3 and status = 'pending' and next_attempt_at > created_at`)) === FLOOD - 7 &&
      (await count(`priority = 3 and status = 'sent'`)) === 7,
    20_000,
    'the flood sent as far as the rate limit lets bulk go, the rest deferred',
  );
  expect(ses.sent).toHaveLength(7);

  const declared = await call(`${herald.url}/api/v1/incidents`, {
    token: TOKEN,
    json: { title: 'Checkout down', severity: 'critical', services: ['checkout'] },
  });
  expect(declared.status).toBe(201);
  // The 3 tokens bulk left are the pages': 3 go at once, 9 wait for the next tokens.
  await until(
    async () =>
      (await count(`priority = 0 and status = 'sent'`)) === 3 &&
      (await count(`priority = 0 and status = 'pending'`)) === 9,
    10_000,
    'the first pages sent',
  );
  expect(ses.sent.slice(7).map(isPage)).toEqual([true, true, true]);
  expect(await metric('herald_deliveries_waiting', 'priority="bulk"')).toBe(FLOOD - 7);
  expect(await metric('herald_deliveries_waiting', 'priority="page"')).toBe(9);
  expect(await metric('herald_rate_limit_waiting', 'channel="email",priority="page"')).toBe(9);

  // A new subscription while pages wait: the token that accrued is not its to take.
  clock.advance({ milliseconds: 100 });
  expect((await call(`${herald.url}/subscribe`, { json: { email: 'late@example.org' } })).status).toBe(202);
  await until(
    async () =>
      (await count(
        `address = 'late@example.org' and status = 'pending' and attempts = 0 and next_attempt_at > created_at`,
      )) === 1,
    10_000,
    'the late confirmation deferred',
  );

  // Time moves on as the worker's tick does, 500 ms at a time; each tick sends what the limit
  // allows, lane by lane.
  for (let i = 0; i < 150 && (await count(`status <> 'sent'`)) > 0; i++) {
    clock.advance({ milliseconds: 500 });
    await herald.tick();
  }
  expect(await count(`status <> 'sent'`)).toBe(0);
  const order = ses.sent.map((c) => (isPage(c) ? 'page' : 'bulk'));
  expect(order).toHaveLength(FLOOD + 1 + RESPONDERS);
  const lastPage = order.lastIndexOf('page');
  const window = order.slice(order.indexOf('page'), lastPage + 1);
  const bulkWhilePagesWait = window.filter((o) => o === 'bulk').length;
  if (bulkWhilePagesWait / window.length > 0.2) {
    // Say what happened to the pages, not only that the share was exceeded.
    const pages = await sql`select id, status, attempts, next_attempt_at, sent_at from deliveries
      where priority = 0 order by sent_at`.execute(t.db);
    const attempts = await sql`select delivery_id, started_at, outcome, error from delivery_attempts a
      join deliveries d on d.id = a.delivery_id where d.priority = 0 order by a.id`.execute(t.db);
    const what = { order: order.slice(0, 40), pages: pages.rows, attempts: attempts.rows };
    throw new Error(
      `bulk took ${bulkWhilePagesWait} of ${window.length} sends while pages waited: ${JSON.stringify(what)}`,
    );
  }
  expect(bulkWhilePagesWait / window.length).toBeLessThanOrEqual(0.2);
  // Every page went out before the confirmations still queued when it was declared.
  expect(order.slice(lastPage + 1).length).toBeGreaterThanOrEqual(FLOOD + 1 - 7 - bulkWhilePagesWait);

  const lanes = await sql<{ priority: number; first: Date; last: Date }>`
    select priority, min(sent_at) as first, max(sent_at) as last from deliveries group by 1 order by 1`.execute(
    t.db,
  );
  const page = lanes.rows.find((r) => r.priority === 0);
  const bulk = lanes.rows.find((r) => r.priority === 3);
  expect(page?.last.getTime()).toBeLessThan(clock.now().toMillis());
  expect(page!.last.getTime()).toBeLessThan(bulk!.last.getTime());
  // On the clock: the last page waited about a second for tokens; the bulk backlog about 30.
  expect(page!.last.getTime() - page!.first.getTime()).toBeLessThanOrEqual(1500);
  expect(bulk!.last.getTime() - page!.last.getTime()).toBeGreaterThan(20_000);
}, 120_000); // 300 requests and 60 ticks: about 15 s alone, more on a busy machine

it('backfills the lane of deliveries planned before lanes existed, by the planner’s own rules', async () => {
  const kinds = [
    { recipient_kind: 'person', audience: 'technical', severity: 'critical', rule: 'r' },
    { recipient_kind: 'person', audience: 'technical', severity: 'low', rule: 'escalation:default:level-1' },
    { recipient_kind: 'person', audience: 'technical', severity: 'medium', rule: 'r' },
    { recipient_kind: 'pagerduty', audience: 'technical', severity: 'high', rule: 'r' },
    { recipient_kind: 'webhook', audience: 'technical', severity: 'critical', rule: 'r' },
    { recipient_kind: 'person', audience: 'executive', severity: 'critical', rule: 'r' },
    { recipient_kind: 'statuspage', audience: 'customer', severity: 'critical', rule: 'r' },
    {
      recipient_kind: 'email_address',
      audience: 'customer',
      severity: 'info',
      rule: 'status-page-subscribers',
    },
    { recipient_kind: 'person', audience: 'executive', severity: 'info', rule: 'executive-digest' },
  ] as const;
  const now = clock.now().toJSDate();
  await t.db
    .insertInto('deliveries')
    .values(
      kinds.map((k, i) => ({
        ...k,
        incident_id: null,
        event_id: null,
        idempotency_key: `backfill-${i}`,
        recipient_id: `x${i}`,
        address: `x${i}`,
        channel: 'console',
        status: 'sent',
        max_attempts: 1,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
  await m.down(t.db);
  await m.up(t.db);
  const rows = await t.db
    .selectFrom('deliveries')
    .select(['idempotency_key', 'priority'])
    .where('idempotency_key', 'like', 'backfill-%')
    .orderBy('id')
    .execute();
  const expected = kinds.map((k) =>
    derivePriority({
      recipientKind: k.recipient_kind,
      audience: k.audience,
      severity: k.severity,
      rule: k.rule,
    }),
  );
  expect(rows.map((r) => PRIORITIES[r.priority])).toEqual(expected);
  expect(expected).toEqual([
    'page',
    'page',
    'responder',
    'page',
    'responder',
    'stakeholder',
    'stakeholder',
    'bulk',
    'bulk',
  ]);
});
