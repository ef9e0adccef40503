import fs from 'node:fs';
import path from 'node:path';
import type { RunningHerald } from '../../src/main';
import { ManualClock } from '../../src/common/clock';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { call } from '../support/http';
import { startTestHerald } from '../support/herald';
import { until } from '../support/process';

/**
 * "Public means published", through the whole of Herald: an Alertmanager alert whose labels name
 * a cluster, a host and an IP opens an incident that no public surface shows (page, incident
 * page, Statuspage JSON, feeds) until it is published over the API, and then only under its
 * public title; `status_page.auto_publish` publishes by severity; a private incident never shows
 * and sends no subscriber mail, even when published.
 */
const AM_TOKEN = 'publish-alertmanager-token-01';
const API = 'publish-api-token-0123456789';
const yaml = fs
  .readFileSync(path.resolve(__dirname, '../../herald.example.yml'), 'utf8')
  .replace(
    /^integrations: \[\]$/m,
    `integrations:\n  - id: prometheus\n    type: alertmanager\n    token: ${AM_TOKEN}\n`,
  )
  .replace(/^ {2}auto_publish: \[\].*$/m, '  auto_publish: [critical]');

const SECRET_BITS = ['billing-prod-eu', '10.20.3.4', 'PostgresDown'];

/** One firing alert in its own Alertmanager group, labelled the way real ones are. */
function alert(fingerprint: string, severity: string, alertname = 'PostgresDown'): string {
  const labels = {
    alertname,
    cluster: 'billing-prod-eu',
    instance: '10.20.3.4:5432',
    service: 'checkout',
    severity,
  };
  const groupLabels = { alertname, cluster: labels.cluster, instance: labels.instance };
  return JSON.stringify({
    receiver: 'herald',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: {},
        startsAt: '2026-11-26T21:26:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint,
      },
    ],
    groupLabels,
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    version: '4',
    groupKey: `{}:{alertname="${alertname}", cluster="billing-prod-eu", instance="10.20.3.4:5432"}`,
    truncatedAlerts: 0,
  });
}

let t: TestDatabase;
let herald: RunningHerald;
const clock = new ManualClock('2026-11-26T21:27:00Z');

beforeAll(async () => {
  t = await createTestDatabase();
  herald = await startTestHerald({
    databaseUrl: t.url,
    clock,
    configYaml: yaml,
    env: { HERALD_API_TOKEN: API, HERALD_PUBLIC_URL: 'https://status.example.com' },
  });
});
afterAll(async () => {
  await herald?.stop();
  await t.drop();
});

const page = async (p: string, token?: string): Promise<string> => {
  const res = await fetch(
    `${herald.url}${p}`,
    token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
  return res.text();
};
/** Every public surface, as one text (the incident's own page by its ref). */
const publicSurfaces = async (ref: string): Promise<string> =>
  (
    await Promise.all(
      [
        '/',
        '/api/v2/incidents/unresolved.json',
        '/api/v2/summary.json',
        '/history.atom',
        `/incidents/${ref}`,
      ].map((p) => page(p)),
    )
  ).join('\n');
/** Until /internal (rendered from the same snapshot as the public pages) shows `text`. */
const internalShows = (text: string) =>
  until(async () => (await page('/internal', API)).includes(text), 10_000, `/internal to show ${text}`);
const fireAlert = async (body: string): Promise<string> => {
  const res = await call(`${herald.url}/hooks/alertmanager`, {
    token: AM_TOKEN,
    raw: body,
    headers: { 'content-type': 'application/json' },
  });
  expect(res.status).toBe(200);
  return (res.body as { incident: string }).incident;
};
const api = (p: string, json?: unknown) =>
  call(`${herald.url}/api/v1${p}`, { token: API, ...(json === undefined ? {} : { method: 'POST', json }) });

test('an alert with host and IP labels is on no public surface until published, then under its public title only', async () => {
  const ref = await fireAlert(alert('fp-high-1', 'high'));
  await internalShows('billing-prod-eu'); // the internal page sees the alert's title
  expect(await page('/internal', API)).toContain('not published yet');

  const stored = await api(`/incidents/${ref}`);
  expect(stored.body).toMatchObject({
    ref,
    title: expect.stringContaining('10.20.3.4'),
    public_title: 'Service disruption: Checkout',
    published: false,
    private: false,
  });
  const before = await publicSurfaces(ref);
  for (const bit of [...SECRET_BITS, ref, 'Service disruption']) expect(before).not.toContain(bit);
  const status = JSON.parse(await page('/api/v2/status.json')) as { status: { indicator: string } };
  expect(status.status.indicator).toBe('none'); // not even a component status gives it away
  expect(await fetch(`${herald.url}/incidents/${ref}`).then((r) => r.status)).toBe(404);

  const published = await api(`/incidents/${ref}/publish`, { public_title: 'Payments are failing' });
  expect(published.status).toBe(200);
  expect(published.body).toMatchObject({
    public_title: 'Payments are failing',
    published: true,
    published_by: 'api',
    already_published: false,
  });
  await until(
    async () => (await page('/')).includes('Payments are failing'),
    10_000,
    'the page to show the published incident',
  );
  const after = await publicSurfaces(ref);
  for (const surface of ['/', '/api/v2/incidents/unresolved.json', '/history.atom', `/incidents/${ref}`]) {
    expect(await page(surface)).toContain('Payments are failing');
  }
  for (const bit of SECRET_BITS) expect(after).not.toContain(bit);
  const unresolved = JSON.parse(await page('/api/v2/incidents/unresolved.json')) as {
    incidents: { id: string; name: string }[];
  };
  expect(unresolved.incidents).toEqual([expect.objectContaining({ id: ref, name: 'Payments are failing' })]);

  // Publishing again under the same title is a no-op; the timeline has one publication.
  const again = await api(`/incidents/${ref}/publish`, {});
  expect(again.body).toMatchObject({ already_published: true, public_title: 'Payments are failing' });
  const timeline = (await api(`/incidents/${ref}`)).body as { timeline: { message: string | null }[] };
  expect(timeline.timeline.filter((e) => e.message?.startsWith('Published'))).toHaveLength(1);
});

test('publish answers 404 for an unknown incident and 400 naming a bad field', async () => {
  const missing = await api('/incidents/INC-9999/publish', {});
  expect(missing.status).toBe(404);
  const empty = await api('/incidents/INC-1/publish', { public_title: '  ' });
  expect(empty.status).toBe(400);
  expect(empty.body).toMatchObject({
    error: { code: 'Validation', message: expect.stringContaining('public_title') },
  });
  const unknown = await api('/incidents/INC-1/publish', { title: 'x' });
  expect(unknown.status).toBe(400);
  expect(unknown.body).toMatchObject({ error: { message: expect.stringContaining('title') } });
});

test('status_page.auto_publish publishes alert incidents of the severities it names, under the neutral title', async () => {
  const ref = await fireAlert(alert('fp-crit-1', 'critical', 'DiskFull'));
  expect((await api(`/incidents/${ref}`)).body).toMatchObject({
    severity: 'critical',
    published: true,
    published_by: 'alert:prometheus',
    public_title: 'Service disruption: Checkout',
  });
  await until(
    async () => (await page('/api/v2/incidents/unresolved.json')).includes(ref),
    10_000,
    'the auto-published incident on /api/v2',
  );
  const unresolved = await page('/api/v2/incidents/unresolved.json');
  expect(unresolved).toContain('Service disruption: Checkout');
  expect(unresolved).not.toContain('DiskFull');
  for (const bit of SECRET_BITS) expect(await page('/history.atom')).not.toContain(bit);
});

test('a private incident never appears publicly, even published, and sends no subscriber mail', async () => {
  const now = clock.now().toJSDate();
  await t.db
    .insertInto('status_subscribers')
    .values({
      email: 'sub@example.com',
      status: 'confirmed',
      created_at: now,
      confirmed_at: now,
      updated_at: now,
    })
    .execute();
  const subscriberMail = async (ref: string) =>
    Number(
      (
        await t.db
          .selectFrom('deliveries')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('incident_id', '=', Number(ref.slice(4)))
          .where('rule', '=', 'status-page-subscribers')
          .executeTakeFirstOrThrow()
      ).n,
    );

  const secret = await api('/incidents', {
    title: 'Credential leak on vault-2',
    severity: 'critical',
    services: ['api'],
    private: true,
  });
  expect(secret.status).toBe(201);
  const ref = (secret.body as { ref: string }).ref;
  expect(secret.body).toMatchObject({
    private: true,
    published: false,
    public_title: 'Credential leak on vault-2',
  });
  await api(`/incidents/${ref}/updates`, { message: 'rotating keys', public_message: 'We rotate some keys' });
  const published = await api(`/incidents/${ref}/publish`, { public_title: 'Maintenance on sign-in' });
  expect(published.body).toMatchObject({ published: true, private: true });
  await api(`/incidents/${ref}/updates`, {
    message: 'still rotating',
    public_message: 'Still rotating keys',
  });

  // The control: a public incident's public update does reach the subscriber.
  const open = await api('/incidents', { title: 'Website slow', severity: 'low', services: ['website'] });
  const openRef = (open.body as { ref: string }).ref;
  expect(open.body).toMatchObject({ published: true, private: false, public_title: 'Website slow' });
  await api(`/incidents/${openRef}/updates`, { message: 'cdn', public_message: 'Pages load slowly' });
  expect(await subscriberMail(openRef)).toBe(1);
  await until(async () => (await page('/')).includes('Pages load slowly'), 10_000, 'the control on the page');

  expect(await subscriberMail(ref)).toBe(0);
  const surfaces = await publicSurfaces(ref);
  for (const text of [ref, 'Credential leak', 'vault-2', 'Maintenance on sign-in', 'rotate', 'rotating']) {
    expect(surfaces).not.toContain(text);
  }
  expect(await page('/internal', API)).toContain('Credential leak on vault-2');
});
