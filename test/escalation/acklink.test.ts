import { DateTime } from 'luxon';
import { createAckToken, verifyAckToken } from '../../src/escalation/acklink';
import type { RunningHerald } from '../../src/main';
import { ManualClock } from '../../src/common/clock';
import { FakeTwilio } from '../fakes/twilio';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';
import { call } from '../support/http';

/**
 * Acknowledge links against the real app: the nonce is burned in the acknowledgement's own
 * transaction, and a link belongs to the open period of the incident it was sent in.
 */
const TOKEN = 'acklink-test-token-0123456789';
const twilio = new FakeTwilio();
const clock = new ManualClock('2026-11-26T10:00:00Z');
let t: TestDatabase;
let herald: RunningHerald;

const yaml = `
services: [{ id: api, escalation_policy: default }]
people:
  - { id: ann, name: Ann, phone: '+15555550101' }
escalation_policies:
  - id: default
    levels:
      - { delay_minutes: 0, targets: [{ person: ann }], channels: [sms] }
`;

beforeAll(async () => {
  await twilio.start();
  t = await createTestDatabase();
  herald = await startTestHerald({
    databaseUrl: t.url,
    clock,
    configYaml: yaml,
    env: {
      HERALD_API_TOKEN: TOKEN,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+15555550000',
      TWILIO_API_URL: twilio.url,
    },
  });
});

afterAll(async () => {
  await herald.stop();
  await t.drop();
  await twilio.stop();
});

const api = (path: string, init: Parameters<typeof call>[1] = {}) =>
  call(`${herald.url}/api/v1${path}`, { token: TOKEN, ...init });

async function declare(title: string): Promise<{ ref: string; id: number }> {
  const r = await api('/incidents', { json: { title, severity: 'high', services: ['api'] } });
  expect(r.status).toBe(201);
  const ref = (r.body as { ref: string }).ref;
  return { ref, id: Number(ref.slice(4)) };
}

/** The acknowledge links of the pages Ann was sent about `ref`, oldest first, on this server. */
const linksFor = (ref: string): string[] =>
  twilio.sent
    .filter((c) => (c.body ?? '').includes(ref))
    .map((c) => /https?:\/\/\S+?(\/ack\/[\w-]+\.[\w-]+)/.exec(c.body ?? '')?.[1])
    .filter((p): p is string => p !== undefined)
    .map((p) => `${herald.url}${p}`);

async function pagesFor(ref: string, n: number): Promise<string[]> {
  await twilio.waitFor(() => linksFor(ref).length >= n);
  return linksFor(ref);
}

/** POST as the confirm page's form does in a browser. */
const submit = (link: string) =>
  fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: '',
  });

const nonces = async (id: number): Promise<number> =>
  (await t.db.selectFrom('ack_nonces').select('nonce').where('incident_id', '=', id).execute()).length;
const acknowledgedBy = async (id: number): Promise<string | null> =>
  (
    await t.db
      .selectFrom('incidents')
      .select('acknowledged_by')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
  ).acknowledged_by;

it('acknowledges from the confirm form as a browser posts it, once', async () => {
  const { ref, id } = await declare('Form post');
  const [link] = await pagesFor(ref, 1);
  const ok = await submit(link!);
  expect(ok.status).toBe(200);
  expect(await ok.text()).toContain(`${ref} acknowledged`);
  expect(await acknowledgedBy(id)).toBe('link:ann');
  const again = await submit(link!);
  expect(again.status).toBe(409);
  expect(await again.text()).toContain('already been used');
});

it('burns the nonce only with the acknowledgement: a refused (resolved) link is not used', async () => {
  const { ref, id } = await declare('Resolved first');
  const [link] = await pagesFor(ref, 1);
  expect((await api(`/incidents/${ref}/resolve`, { json: {} })).status).toBe(200);
  const refused = await submit(link!);
  expect(refused.status).toBe(409);
  expect(await refused.text()).toContain(`${ref} is resolved; nothing to acknowledge`);
  expect(await nonces(id)).toBe(0);
  expect(await acknowledgedBy(id)).toBeNull();
  // The confirm page says so too, before any click.
  const page = await fetch(link!);
  expect(page.status).toBe(409);
  expect(await page.text()).not.toContain('<form');
});

it('does not let a link sent before a resolve acknowledge the reopened incident (410)', async () => {
  const { ref, id } = await declare('Reopened');
  const [before] = await pagesFor(ref, 1);
  expect((await api(`/incidents/${ref}/resolve`, { json: {} })).status).toBe(200);
  expect((await api(`/incidents/${ref}/reopen`, { method: 'POST', json: {} })).status).toBe(200);
  const [, after] = await pagesFor(ref, 2); // escalation starts again: a new page, a new link

  const page = await fetch(before!);
  expect(page.status).toBe(410);
  const stale = await submit(before!);
  expect(stale.status).toBe(410);
  const text = await stale.text();
  expect(text).toContain('Not acknowledged');
  expect(text).toContain(`this link was sent before ${ref} was resolved and reopened`);
  expect(await acknowledgedBy(id)).toBeNull();
  expect(await nonces(id)).toBe(0);

  const ok = await submit(after!);
  expect(ok.status).toBe(200);
  expect(await acknowledgedBy(id)).toBe('link:ann');
});

it('lets exactly one of two simultaneous uses of a link through', async () => {
  const { ref, id } = await declare('Double click');
  const [link] = await pagesFor(ref, 1);
  const statuses = (await Promise.all([submit(link!), submit(link!)])).map((r) => r.status).sort();
  expect(statuses).toEqual([200, 409]);
  expect(await nonces(id)).toBe(1);
});

it('carries the open period in the token; tokens without one mean the first period', () => {
  const secret = Buffer.alloc(32, 7);
  const now = DateTime.fromISO('2026-11-26T10:00:00Z');
  const expires = now.plus({ hours: 1 });
  expect(verifyAckToken(secret, createAckToken(secret, 5, 'ann', expires), now).period).toBe(0);
  expect(verifyAckToken(secret, createAckToken(secret, 5, 'ann', expires, 3), now).period).toBe(3);
  const [payload] = createAckToken(secret, 5, 'ann', expires).split('.');
  expect(Object.keys(JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as object)).toEqual([
    'i',
    'p',
    'e',
    'n',
  ]);
});
