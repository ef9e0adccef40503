import { ManualClock } from '../../src/common/clock';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { call } from '../support/http';
import { changed, PUBLIC_URL, startStatusPage, TOKEN, type Harness } from './support/harness';

/**
 * Field names and nesting of Atlassian Statuspage's public API v2 (summary.json and friends), as
 * documented on every Statuspage page's /api page and in published client typings.
 */
const PAGE_KEYS = ['id', 'name', 'url', 'time_zone', 'updated_at'];
const STATUS_KEYS = ['indicator', 'description'];
const COMPONENT_KEYS = [
  'id',
  'name',
  'status',
  'created_at',
  'updated_at',
  'position',
  'description',
  'showcase',
  'start_date',
  'group_id',
  'page_id',
  'group',
  'only_show_if_degraded',
];
const INCIDENT_KEYS = [
  'id',
  'name',
  'status',
  'created_at',
  'updated_at',
  'monitoring_at',
  'resolved_at',
  'impact',
  'shortlink',
  'started_at',
  'page_id',
  'incident_updates',
  'components',
];
const UPDATE_KEYS = [
  'id',
  'status',
  'body',
  'incident_id',
  'created_at',
  'updated_at',
  'display_at',
  'affected_components',
  'deliver_notifications',
  'custom_tweet',
  'tweet_id',
];
const MAINTENANCE_KEYS = [...INCIDENT_KEYS, 'scheduled_for', 'scheduled_until'];

type Obj = Record<string, unknown>;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function expectKeys(o: unknown, keys: string[]): Obj {
  expect(typeof o).toBe('object');
  expect(Object.keys(o as Obj)).toEqual(expect.arrayContaining(keys));
  return o as Obj;
}
function expectComponent(c: unknown): Obj {
  const o = expectKeys(c, COMPONENT_KEYS);
  expect([
    'operational',
    'degraded_performance',
    'partial_outage',
    'major_outage',
    'under_maintenance',
  ]).toContain(o.status);
  expect(o.created_at).toMatch(ISO);
  expect(typeof o.position).toBe('number');
  expect(typeof o.group).toBe('boolean');
  return o;
}
function expectIncident(i: unknown, keys = INCIDENT_KEYS): Obj {
  const o = expectKeys(i, keys);
  expect(typeof o.id).toBe('string');
  expect(o.created_at).toMatch(ISO);
  expect(['none', 'minor', 'major', 'critical', 'maintenance']).toContain(o.impact);
  for (const u of o.incident_updates as unknown[]) {
    const update = expectKeys(u, UPDATE_KEYS);
    expect(update.incident_id).toBe(o.id);
    expect(update.display_at).toMatch(ISO);
  }
  for (const c of o.components as unknown[]) expectComponent(c);
  return o;
}

let t: TestDatabase;
let h: Harness;
const clock = new ManualClock('2026-11-26T12:00:00Z');
const v2 = async (name: string) => {
  const res = await call(`${h.url}/api/v2/${name}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return res.body as Obj;
};

beforeAll(async () => {
  t = await createTestDatabase();
  h = await startStatusPage({ db: t, clock });
});
afterAll(async () => {
  await h.close();
  await t.drop();
});

describe('Statuspage-compatible JSON', () => {
  it('answers an all-clear page with Statuspage fields', async () => {
    const summary = await v2('summary.json');
    expect(Object.keys(summary)).toEqual([
      'page',
      'components',
      'incidents',
      'scheduled_maintenances',
      'status',
    ]);
    const page = expectKeys(summary.page, PAGE_KEYS);
    expect(page).toMatchObject({ name: 'Acme Status', url: PUBLIC_URL, time_zone: 'Etc/UTC' });
    expect(expectKeys(summary.status, STATUS_KEYS)).toEqual({
      indicator: 'none',
      description: 'All Systems Operational',
    });
    const components = (summary.components as unknown[]).map(expectComponent);
    // groups are components with group: true naming their children, which point back with group_id
    const platform = components.find((c) => c.name === 'Platform');
    expect(platform).toMatchObject({ group: true, components: ['api'] });
    expect(components.find((c) => c.id === 'api')).toMatchObject({ group_id: platform?.id, group: false });
    expect(components.find((c) => c.id === 'docs')).toMatchObject({ group_id: null, name: 'Documentation' });
    expect(summary.incidents).toEqual([]);
    expect(summary.scheduled_maintenances).toEqual([]);
  });

  it('reports incidents with public updates, impact and affected components', async () => {
    const inc = await changed(h, () =>
      h.incidents.declare({ title: 'Checkout errors', severity: 'high', services: ['checkout'] }, 'alice'),
    );
    clock.advance({ minutes: 10 });
    await changed(h, () =>
      h.incidents.update(
        inc.ref,
        {
          status: 'monitoring',
          message: 'rolled back deploy 42',
          publicMessage: 'A fix is in place; we are monitoring.',
        },
        'alice',
      ),
    );

    const summary = await v2('summary.json');
    expect(summary.status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
    const [incident] = summary.incidents as unknown[];
    const o = expectIncident(incident);
    expect(o).toMatchObject({
      id: inc.ref,
      name: 'Checkout errors',
      status: 'monitoring',
      impact: 'major',
      shortlink: `${PUBLIC_URL}/incidents/${inc.ref}`,
      monitoring_at: '2026-11-26T12:10:00.000Z',
      resolved_at: null,
      started_at: '2026-11-26T12:00:00.000Z',
    });
    expect(o.incident_updates).toEqual([
      expect.objectContaining({ status: 'monitoring', body: 'A fix is in place; we are monitoring.' }),
    ]);
    expect((o.components as Obj[]).map((c) => [c.id, c.status])).toEqual([['checkout', 'partial_outage']]);

    const components = (await v2('components.json')).components as Obj[];
    expect(components.find((c) => c.id === 'checkout')?.status).toBe('partial_outage');
    expect(components.find((c) => c.name === 'Storefront')?.status).toBe('partial_outage');
    expect(((await v2('incidents/unresolved.json')).incidents as unknown[]).length).toBe(1);
    expect(await v2('status.json')).toEqual({ page: summary.page, status: summary.status });

    clock.advance({ minutes: 20 });
    await changed(h, () => h.incidents.resolve(inc.ref, { publicMessage: 'Resolved.' }, 'alice'));
    expect(((await v2('incidents/unresolved.json')).incidents as unknown[]).length).toBe(0);
    const all = (await v2('incidents.json')).incidents as unknown[];
    expect(expectIncident(all[0])).toMatchObject({
      status: 'resolved',
      resolved_at: '2026-11-26T12:30:00.000Z',
    });
    expect(((all[0] as Obj).incident_updates as Obj[]).map((u) => u.status)).toEqual([
      'resolved',
      'monitoring',
    ]);
    expect((await v2('summary.json')).status).toEqual({
      indicator: 'none',
      description: 'All Systems Operational',
    });
  });

  it('lets an explicit component status override the severity mapping', async () => {
    const inc = await changed(h, () =>
      h.incidents.declare({ title: 'Slow pages', severity: 'low', services: ['website'] }, 'alice'),
    );
    const put = await changed(h, () =>
      call(`${h.url}/api/v1/incidents/${inc.ref}/components`, {
        method: 'PUT',
        token: TOKEN,
        json: { components: { website: 'major_outage', docs: 'degraded_performance' } },
      }),
    );
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      ref: inc.ref,
      components: { docs: 'degraded_performance', website: 'major_outage' },
    });
    let components = (await v2('components.json')).components as Obj[];
    expect(
      components.filter((c) => ['website', 'docs'].includes(c.id as string)).map((c) => c.status),
    ).toEqual(['major_outage', 'degraded_performance']);
    expect((await v2('status.json')).status).toMatchObject({ indicator: 'critical' });

    await changed(h, () =>
      call(`${h.url}/api/v1/incidents/${inc.ref}/components`, {
        method: 'PUT',
        token: TOKEN,
        json: { components: { website: null } },
      }),
    );
    components = (await v2('components.json')).components as Obj[];
    expect(components.find((c) => c.id === 'website')?.status).toBe('degraded_performance'); // low → derived again

    const bad = await call(`${h.url}/api/v1/incidents/${inc.ref}/components`, {
      method: 'PUT',
      token: TOKEN,
      json: { components: { website: 'on_fire', nope: 'operational' } },
    });
    expect(bad.status).toBe(400);
    const unknown = await call(`${h.url}/api/v1/incidents/${inc.ref}/components`, {
      method: 'PUT',
      token: TOKEN,
      json: { components: { nope: 'operational' } },
    });
    expect(unknown.status).toBe(400);
    expect((unknown.body as { error: { message: string } }).error.message).toContain(
      'unknown component "nope"',
    );
    expect(
      (
        await call(`${h.url}/api/v1/incidents/INC-999/components`, {
          method: 'PUT',
          token: TOKEN,
          json: { components: {} },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await call(`${h.url}/api/v1/incidents/${inc.ref}/components`, {
          method: 'PUT',
          json: { components: {} },
        })
      ).status,
    ).toBe(401);
    await changed(h, () => h.incidents.resolve(inc.ref, {}, 'alice'));
  });

  it('lists scheduled maintenance with Statuspage maintenance fields', async () => {
    await changed(h, () =>
      call(`${h.url}/api/v1/maintenances`, {
        token: TOKEN,
        json: {
          title: 'Database upgrade',
          components: ['api'],
          starts_at: '2026-11-27T22:00:00Z',
          ends_at: '2026-11-27T23:00:00Z',
          message: 'The API may be read-only.',
        },
      }),
    );
    const upcoming = (await v2('scheduled-maintenances/upcoming.json')).scheduled_maintenances as unknown[];
    expect(upcoming).toHaveLength(1);
    const m = expectIncident(upcoming[0], MAINTENANCE_KEYS);
    expect(m).toMatchObject({
      name: 'Database upgrade',
      status: 'scheduled',
      impact: 'maintenance',
      scheduled_for: '2026-11-27T22:00:00.000Z',
      scheduled_until: '2026-11-27T23:00:00.000Z',
    });
    expect((m.incident_updates as Obj[])[0]).toMatchObject({
      status: 'scheduled',
      body: 'The API may be read-only.',
    });
    expect((await v2('summary.json')).scheduled_maintenances).toHaveLength(1);
    expect((await v2('scheduled-maintenances.json')).scheduled_maintenances).toHaveLength(1);
    expect((await v2('scheduled-maintenances/active.json')).scheduled_maintenances).toEqual([]);
  });
});
