import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { ManualClock } from '../../src/common/clock';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { call } from '../support/http';
import { LOCAL_CHANGE } from '../../src/statuspage';
import { CHANNEL } from '../../src/statuspage/listener';
import { changed, get, PUBLIC_URL, RecordingMailer, startStatusPage, type Harness } from './support/harness';
import { injectedMarkup, missing } from './support/markup';

let t: TestDatabase;
let h: Harness;
const mailer = new RecordingMailer(); // stands in for the notification engine's email planning
const clock = new ManualClock('2026-11-26T12:00:00Z');

const form = (path: string, fields: Record<string, string>, query = '') =>
  fetch(`${h.url}${path}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  }).then(async (r) => ({ status: r.status, text: await r.text(), headers: r.headers }));
const tokenOf = (url: string) => new URL(url).searchParams.get('token') ?? '';
const row = (email: string) =>
  t.db
    .selectFrom('status_subscribers')
    .selectAll()
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirstOrThrow();

beforeAll(async () => {
  t = await createTestDatabase();
  h = await startStatusPage({ db: t, clock, mailer });
});
afterAll(async () => {
  await h.close();
  await t.drop();
});

describe('email subscriptions', () => {
  it('shows the form and takes a subscription, storing only a hash of the token', async () => {
    const page = await get(`${h.url}/`);
    expect(
      missing(page.text, '<form class="card sub" method="post" action="/subscribe">', 'Email address'),
    ).toEqual([]);

    const res = await form('/subscribe', { email: '  Ann@Example.com ' });
    expect(res.status).toBe(202);
    expect(missing(res.text, 'Check your inbox')).toEqual([]);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(mailer.confirmations).toHaveLength(1);
    const sent = mailer.confirmations[0];
    expect(sent).toMatchObject({ email: 'Ann@Example.com', pageTitle: 'Acme Status' });
    expect(sent?.confirmUrl).toMatch(
      new RegExp(`^${PUBLIC_URL}/subscribe/confirm\\?token=[A-Za-z0-9_-]{43}$`),
    );
    expect(sent?.unsubscribeUrl).toMatch(
      new RegExp(`^${PUBLIC_URL}/unsubscribe\\?token=\\d+\\.[A-Za-z0-9_-]{43}$`),
    );
    expect(mailer.inTransaction).toEqual([true]);

    const stored = await row('Ann@Example.com');
    const token = tokenOf(sent?.confirmUrl ?? '');
    expect(stored).toMatchObject({ status: 'pending', confirmed_at: null });
    expect(stored.confirm_token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it('answers the same for repeats without mail-bombing, and resends after a pause', async () => {
    const again = await call(`${h.url}/subscribe`, { json: { email: 'ann@example.com' } });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ status: 'pending', message: expect.stringContaining('confirmation email') });
    expect(mailer.confirmations).toHaveLength(1); // sent moments ago: not again

    clock.advance({ minutes: 11 });
    await call(`${h.url}/subscribe`, { json: { email: 'ann@example.com' } });
    expect(mailer.confirmations).toHaveLength(2);
    const [first, second] = mailer.confirmations.map((c) => tokenOf(c.confirmUrl));
    expect(second).not.toBe(first);
    const old = await form('/subscribe/confirm', { token: first ?? '' });
    expect(old.status).toBe(404);
    expect(missing(old.text, 'invalid or has expired')).toEqual([]);
  });

  it('rejects what is not an email address, as a page for forms and JSON for JSON', async () => {
    const page = await form('/subscribe', { email: '<script>x</script>' });
    expect(page.status).toBe(400);
    expect(missing(page.text, 'Please check your input', 'email: must be an email address')).toEqual([]);
    expect(injectedMarkup(page.text)).toEqual([]);
    const json = await call(`${h.url}/subscribe`, { json: { email: 'nope' } });
    expect(json.status).toBe(400);
    expect(json.body).toMatchObject({ error: { code: 'Validation' } });
    expect(
      (await call(`${h.url}/subscribe`, { raw: 'email=x', headers: { 'content-type': 'text/csv' } })).status,
    ).toBe(415);
  });

  it('confirms only on POST: the link opens a page with a button', async () => {
    const url = mailer.confirmations[1]?.confirmUrl ?? '';
    const link = await get(`${h.url}${new URL(url).pathname}${new URL(url).search}`);
    expect(link.status).toBe(200);
    expect(
      missing(
        link.text,
        'Confirm subscription',
        `value="${tokenOf(url)}"`,
        '<meta name="robots" content="noindex"/>',
      ),
    ).toEqual([]);
    expect(link.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await row('Ann@Example.com')).status).toBe('pending');

    const confirmed = await form('/subscribe/confirm', { token: tokenOf(url) });
    expect(confirmed.status).toBe(200);
    expect(missing(confirmed.text, 'You are subscribed')).toEqual([]);
    expect(await row('Ann@Example.com')).toMatchObject({
      status: 'confirmed',
      confirmed_at: clock.now().toJSDate(),
    });
    const twice = await call(`${h.url}/subscribe/confirm`, { json: { token: tokenOf(url) } });
    expect(twice.body).toEqual({ status: 'confirmed', already_confirmed: true });

    // a confirmed address asking again gets no new email and stays confirmed
    await call(`${h.url}/subscribe`, { json: { email: 'ann@example.com' } });
    expect(mailer.confirmations).toHaveLength(2);
    expect((await row('Ann@Example.com')).status).toBe('confirmed');
  });

  it('lets a confirmation link expire', async () => {
    await call(`${h.url}/subscribe`, { json: { email: 'late@example.com' } });
    const url = mailer.confirmations[mailer.confirmations.length - 1]?.confirmUrl ?? '';
    clock.advance({ hours: 49 });
    const res = await call(`${h.url}/subscribe/confirm`, { json: { token: tokenOf(url) } });
    expect(res.status).toBe(404);
    expect((await row('late@example.com')).status).toBe('pending');
  });

  it('sends public incident updates to confirmed subscribers only, inside the incident transaction', async () => {
    const inc = await h.incidents.declare(
      { title: 'Login errors', severity: 'high', services: ['api'] },
      'alice',
    );
    await h.incidents.update(inc.ref, { message: 'internal only: db failover' }, 'alice');
    expect(mailer.updates).toHaveLength(0);

    await h.incidents.update(
      inc.ref,
      { message: 'failover done', publicMessage: 'Logins work again.' },
      'alice',
    );
    expect(mailer.updates).toHaveLength(1);
    const u = mailer.updates[0];
    expect(u).toMatchObject({
      publicMessage: 'Logins work again.',
      incident: {
        ref: inc.ref,
        title: 'Login errors',
        status: 'investigating',
        impact: 'major',
        components: ['Public API'],
        url: `${PUBLIC_URL}/incidents/${inc.ref}`,
      },
    });
    expect(u?.recipients.map((r) => r.email)).toEqual(['ann@example.com']); // late@ never confirmed
    expect(JSON.stringify(u)).not.toContain('failover');
    expect(mailer.inTransaction.every(Boolean)).toBe(true);
  });

  it('unsubscribes in one click (RFC 8058 POST), never on GET, and refuses forged links', async () => {
    const unsubscribeUrl = mailer.updates[0]?.recipients[0]?.unsubscribeUrl ?? '';
    const token = tokenOf(unsubscribeUrl);
    const page = await get(`${h.url}/unsubscribe?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(200);
    expect(missing(page.text, 'Unsubscribe', 'class="danger"')).toEqual([]);
    expect((await row('Ann@Example.com')).status).toBe('confirmed');

    const forged = `${token.split('.')[0]}.${'A'.repeat(43)}`;
    expect((await get(`${h.url}/unsubscribe?token=${forged}`)).status).toBe(404);
    expect((await form('/unsubscribe', { 'List-Unsubscribe': 'One-Click' }, `?token=${forged}`)).status).toBe(
      404,
    );

    // what a mail client does with List-Unsubscribe-Post: POST the URL with this body
    const oneClick = await form(
      '/unsubscribe',
      { 'List-Unsubscribe': 'One-Click' },
      `?token=${encodeURIComponent(token)}`,
    );
    expect(oneClick.status).toBe(200);
    expect(missing(oneClick.text, 'You are unsubscribed')).toEqual([]);
    expect((await row('Ann@Example.com')).status).toBe('unsubscribed');
    expect((await form('/unsubscribe', { token })).status).toBe(200); // idempotent

    const inc = await h.incidents.declare(
      { title: 'Another', severity: 'low', services: ['website'] },
      'alice',
    );
    await h.incidents.update(inc.ref, { message: 'x', publicMessage: 'Public words.' }, 'alice');
    expect(mailer.updates).toHaveLength(1); // nobody is confirmed any more: no call at all

    // subscribing again starts a new double opt-in
    await call(`${h.url}/subscribe`, { json: { email: 'ann@example.com' } });
    expect((await row('ann@example.com')).status).toBe('pending');
  });

  it('announces a confirm or unsubscribe that changed something, and nothing for a repeat', async () => {
    const reasons: string[] = [];
    const heard = (reason: string) => void reasons.push(reason);
    h.module.cache.on('invalidated', heard);
    try {
      await call(`${h.url}/subscribe`, { json: { email: 'zed@example.com' } });
      const sent = mailer.confirmations.find((c) => c.email === 'zed@example.com');
      const id = (await row('zed@example.com')).id;
      await changed(h, () => form('/subscribe/confirm', { token: tokenOf(sent?.confirmUrl ?? '') }));
      const repeat = await form('/subscribe/confirm', { token: tokenOf(sent?.confirmUrl ?? '') });
      expect(repeat.status).toBe(200);
      const token = tokenOf(sent?.unsubscribeUrl ?? '');
      await changed(h, () => form('/unsubscribe', { 'List-Unsubscribe': 'One-Click' }, `?token=${token}`));
      for (let i = 0; i < 3; i++) expect((await form('/unsubscribe', { token })).status).toBe(200);
      // NOTIFYs arrive in commit order: had a repeat announced anything, it would come before this.
      await changed(h, () => sql`select pg_notify(${CHANNEL}, 'marker')`.execute(t.db));
      expect(reasons.filter((r) => r !== LOCAL_CHANGE)).toEqual([
        `subscriber:${id}`,
        `subscriber:${id}`,
        'marker',
      ]);
      expect((await row('zed@example.com')).status).toBe('unsubscribed');
    } finally {
      h.module.cache.off('invalidated', heard);
    }
  });

  it('has no subscription routes or form when no mailer is bound', async () => {
    const bare = await startStatusPage({ db: t, clock });
    try {
      expect((await call(`${bare.url}/subscribe`, { json: { email: 'x@example.com' } })).status).toBe(404);
      const page = await get(`${bare.url}/`);
      expect(page.text.includes('action="/subscribe"')).toBe(false);
    } finally {
      await bare.close();
    }
  });
});
