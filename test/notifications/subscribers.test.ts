import type { RunningHerald } from '../../src/main';
import { FakeSes } from '../fakes/ses';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';
import { call } from '../support/http';

/**
 * Status-page subscribers through the real notification engine: the double opt-in email and the
 * public incident updates are recorded deliveries sent by the real SES client to the fake SES.
 */
const TOKEN = 'subscriber-test-token-0123456789';
const ses = new FakeSes();
let t: TestDatabase;
let herald: RunningHerald;

beforeAll(async () => {
  await ses.start();
  process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
  t = await createTestDatabase();
  herald = await startTestHerald({
    databaseUrl: t.url,
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

const to = (address: string) => ses.sent.filter((c) => c.to.includes(address));
const linkIn = (text: string, path: string): string => {
  const m = new RegExp(`https://status\\.example\\.com(${path}\\?token=[\\w.%-]+)`).exec(text);
  if (!m?.[1]) throw new Error(`no ${path} link in: ${text}`);
  return `${herald.url}${m[1]}`;
};

it('confirms a subscription by email, then emails public updates only, each with an unsubscribe link', async () => {
  const sub = await call(`${herald.url}/subscribe`, { json: { email: 'fan@example.org' } });
  expect(sub.status).toBeLessThan(400);
  await ses.waitFor(() => to('fan@example.org').length === 1);
  const confirmation = to('fan@example.org')[0]!;
  expect(confirmation.subject).toContain('Confirm your subscription');
  const confirm = linkIn(confirmation.text ?? '', '/subscribe/confirm');
  const token = new URL(confirm).searchParams.get('token') ?? '';
  const done = await fetch(`${herald.url}/subscribe/confirm`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  expect(done.status).toBe(200);

  const created = await call(`${herald.url}/api/v1/incidents`, {
    token: TOKEN,
    json: { title: 'Checkout errors', severity: 'high', services: ['checkout'] },
  });
  const ref = (created.body as { ref: string }).ref;
  await call(`${herald.url}/api/v1/incidents/${ref}/updates`, {
    token: TOKEN,
    json: {
      status: 'identified',
      message: 'db-7 disk full (internal)',
      public_message: 'We found the cause and are fixing it.',
    },
  });
  await ses.waitFor(() => to('fan@example.org').length === 2);
  const update = to('fan@example.org')[1]!;
  expect(update.text).toContain('We found the cause and are fixing it.');
  expect(update.text).not.toContain('db-7');
  expect(update.html).not.toContain('db-7');
  expect(linkIn(update.text ?? '', '/unsubscribe')).toContain('/unsubscribe?token=');

  // The provider has both; the outcome is recorded right after it answers.
  const deliveries = () =>
    t.db
      .selectFrom('deliveries')
      .select(['recipient_kind', 'channel', 'status', 'audience'])
      .where('address', '=', 'fan@example.org')
      .orderBy('id')
      .execute();
  for (let i = 0; i < 200 && (await deliveries()).some((d) => d.status === 'sending'); i++)
    await new Promise((r) => setTimeout(r, 10));
  expect(await deliveries()).toEqual([
    { recipient_kind: 'email_address', channel: 'email', status: 'sent', audience: 'customer' },
    { recipient_kind: 'email_address', channel: 'email', status: 'sent', audience: 'customer' },
  ]);
});
