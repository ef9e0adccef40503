import pg from 'pg';
import { sql } from 'kysely';
import { ManualClock } from '../../src/common/clock';
import { CHANNEL } from '../../src/statuspage/listener';
import { mailboxOf } from '../../src/statuspage/subscriber.service';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { call } from '../support/http';
import { until } from '../support/process';
import { RecordingMailer, startStatusPage, type Harness } from './support/harness';

/**
 * Abuse limits of the public subscription flow, over real HTTP: per-client and global rate
 * limits (429 + Retry-After, on the injected clock), the per-mailbox cap on confirmation emails
 * with +tags counted as one inbox, X-Forwarded-For believed only with `http.trust_proxy`, and no
 * NOTIFY (so no page re-render anywhere) when a request changes nothing.
 */
let t: TestDatabase;
const clock = new ManualClock('2026-11-28T09:00:00Z');
const open: Harness[] = [];

const start = async (configYaml: string, mailer = new RecordingMailer()) => {
  const h = await startStatusPage({ db: t, clock, mailer, configYaml });
  open.push(h);
  return { h, mailer };
};
const withLimits = (perClient: number, global: number, trust = 'false') => `
organization: { name: Acme }
services: [{ id: api, name: Public API, component: api }]
http: { trust_proxy: ${trust} }
status_page:
  title: Acme Status
  components: [{ id: api, name: Public API }]
  subscribe_limits: { per_client_per_minute: ${perClient}, global_per_minute: ${global} }
`;

const subscribe = (h: Harness, email: string, headers: Record<string, string> = {}) =>
  call(`${h.url}/subscribe`, { json: { email }, headers });

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  for (const h of open) await h.close();
  await t.drop();
});

describe('the mailbox of an address', () => {
  it('drops a +tag and case, and keeps dots', () => {
    expect(mailboxOf('Victim+123@Example.org')).toBe('victim@example.org');
    expect(mailboxOf('victim@example.org')).toBe('victim@example.org');
    expect(mailboxOf('v.i.c.t.i.m+x@gmail.com')).toBe('v.i.c.t.i.m@gmail.com');
    expect(mailboxOf('+only@example.org')).toBe('+only@example.org');
  });
});

describe('confirmation emails per mailbox', () => {
  it('sends at most 3 a day to one inbox whatever its +tags, answering every request the same', async () => {
    const { h, mailer } = await start(withLimits(1000, 1000));
    const answers = [];
    for (let i = 1; i <= 6; i++) answers.push(await subscribe(h, `victim+${i}@example.org`));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202, 202]);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(mailer.confirmations.map((c) => c.email)).toEqual([
      'victim+1@example.org',
      'victim+2@example.org',
      'victim+3@example.org',
    ]);
    // Capped requests changed nothing: no row for +4..+6, so nothing to confirm or to leak.
    const rows = await t.db
      .selectFrom('status_subscribers')
      .select('email')
      .where('email', 'like', 'victim%')
      .execute();
    expect(rows.map((r) => r.email).sort()).toEqual([
      'victim+1@example.org',
      'victim+2@example.org',
      'victim+3@example.org',
    ]);
    // Dots are another inbox (only some providers ignore them), with its own three.
    await subscribe(h, 'vic.tim@example.org');
    expect(mailer.confirmations).toHaveLength(4);

    // A pending address asking again after its 10 minutes, but past the cap: its link stands.
    clock.advance({ minutes: 11 });
    const before = await t.db
      .selectFrom('status_subscribers')
      .select('confirm_token_hash')
      .where('email', '=', 'victim+1@example.org')
      .executeTakeFirstOrThrow();
    expect((await subscribe(h, 'VICTIM+1@example.org')).status).toBe(202);
    expect(mailer.confirmations).toHaveLength(4);
    const after = await t.db
      .selectFrom('status_subscribers')
      .select('confirm_token_hash')
      .where('email', '=', 'victim+1@example.org')
      .executeTakeFirstOrThrow();
    expect(after.confirm_token_hash).toBe(before.confirm_token_hash);

    // A day after the first three, the inbox may be sent one again.
    clock.advance({ hours: 24 });
    expect((await subscribe(h, 'victim+7@example.org')).status).toBe(202);
    expect(mailer.confirmations.map((c) => c.email).slice(4)).toEqual(['victim+7@example.org']);
  });

  it('holds under concurrent +tag requests', async () => {
    const { h, mailer } = await start(withLimits(1000, 1000));
    await Promise.all(Array.from({ length: 12 }, (_, i) => subscribe(h, `burst+${i}@example.org`)));
    expect(mailer.confirmations).toHaveLength(3);
  });
});

describe('request rate limits', () => {
  it('answers 429 with Retry-After past the per-client limit, as JSON and as a page, until time passes', async () => {
    const { h } = await start(withLimits(5, 1000));
    for (let i = 0; i < 5; i++) expect((await subscribe(h, `rl${i}@example.org`)).status).toBe(202);
    const json = await subscribe(h, 'rl5@example.org');
    expect(json.status).toBe(429);
    expect(json.headers.get('retry-after')).toBe('12'); // 5 a minute: one every 12 s
    expect(json.body).toEqual({ error: { code: 'RateLimited', message: expect.stringContaining('12 s') } });
    // Unsubscribing draws from the same bucket, before its token is even looked at.
    const form = await fetch(`${h.url}/unsubscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=garbage',
    });
    expect(form.status).toBe(429);
    expect(form.headers.get('retry-after')).toBe('12');
    expect(await form.text()).toContain('Too many requests');

    clock.advance({ seconds: 12 });
    expect((await subscribe(h, 'rl5@example.org')).status).toBe(202);
    expect((await subscribe(h, 'rl6@example.org')).status).toBe(429);
  });

  it('limits everyone together too', async () => {
    const { h } = await start(withLimits(100, 4, 'true'));
    const from = (n: number) => ({ 'x-forwarded-for': `198.51.100.${n}` });
    for (let i = 0; i < 4; i++) expect((await subscribe(h, `g${i}@example.org`, from(i))).status).toBe(202);
    const over = await subscribe(h, 'g4@example.org', from(99));
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('15'); // 4 a minute
  });
});

describe('the client address behind a proxy', () => {
  const fromEach = async (h: Harness, n: number) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = await subscribe(h, `xff${i}-${open.length}@example.org`, {
        'x-forwarded-for': `203.0.113.${i}`,
      });
      statuses.push(r.status);
    }
    return statuses;
  };

  it('ignores X-Forwarded-For by default: every request is the socket peer’s', async () => {
    const { h } = await start(withLimits(2, 1000));
    expect(await fromEach(h, 3)).toEqual([202, 202, 429]);
  });

  it('believes X-Forwarded-For from a trusted proxy (true, or its address)', async () => {
    const { h } = await start(withLimits(2, 1000, 'true'));
    expect(await fromEach(h, 3)).toEqual([202, 202, 202]);
    const { h: listed } = await start(withLimits(2, 1000, '[127.0.0.1/32]'));
    expect(await fromEach(listed, 3)).toEqual([202, 202, 202]);
    // One client behind the proxy is still one client.
    const again = await subscribe(listed, 'same@example.org', { 'x-forwarded-for': '203.0.113.0' });
    expect(again.status).toBe(202);
    const third = await subscribe(listed, 'same2@example.org', { 'x-forwarded-for': '203.0.113.0' });
    expect(third.status).toBe(429);
  });

  it('takes a hop count as the peer and the hops before it', async () => {
    const { h } = await start(withLimits(2, 1000, '1'));
    expect(await fromEach(h, 3)).toEqual([202, 202, 202]);
  });

  it('does not trust a proxy list that does not include the peer', async () => {
    const { h } = await start(withLimits(2, 1000, '[10.0.0.0/8]'));
    expect(await fromEach(h, 3)).toEqual([202, 202, 429]);
  });
});

describe('no NOTIFY when nothing changed', () => {
  it('announces a confirmation or an unsubscription once, not its repeats', async () => {
    const { h, mailer } = await start(withLimits(1000, 1000));
    const heard: string[] = [];
    const listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    listener.on('notification', (m) => heard.push(m.payload ?? ''));
    await listener.query(`listen ${CHANNEL}`);
    try {
      await subscribe(h, 'quiet@example.org');
      const token = new URL(mailer.confirmations[0]?.confirmUrl ?? '').searchParams.get('token') ?? '';
      const id = (
        await t.db
          .selectFrom('status_subscribers')
          .select('id')
          .where('email', '=', 'quiet@example.org')
          .executeTakeFirstOrThrow()
      ).id;
      const unsubscribeToken = `${id}.${new URL(mailer.confirmations[0]?.unsubscribeUrl ?? '').searchParams.get('token')?.split('.')[1]}`;
      for (const path of ['/subscribe/confirm', '/subscribe/confirm', '/unsubscribe', '/unsubscribe']) {
        const token_ = path === '/unsubscribe' ? unsubscribeToken : token;
        expect((await call(`${h.url}${path}`, { json: { token: token_ } })).status).toBe(200);
      }
      // A marker after them all: every NOTIFY they sent has arrived once it has.
      await sql`select pg_notify(${CHANNEL}, 'marker')`.execute(t.db);
      await until(() => heard.includes('marker'), 5_000, 'the marker notification');
      expect(heard.filter((p) => p === `subscriber:${id}`)).toHaveLength(2); // confirm, unsubscribe
    } finally {
      await listener.end();
    }
  });
});
