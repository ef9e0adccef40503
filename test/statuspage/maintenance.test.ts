import { DateTime } from 'luxon';
import { ManualClock } from '../../src/common/clock';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { call } from '../support/http';
import { changed, get, startStatusPage, TOKEN, type Harness } from './support/harness';
import { missing, present } from './support/markup';

let t: TestDatabase;
let h: Harness;
const clock = new ManualClock('2026-11-26T12:00:00Z');
type Obj = Record<string, unknown>;

const api = (path: string, init: Parameters<typeof call>[1] = {}) =>
  call(`${h.url}/api/v1${path}`, { token: TOKEN, ...init });
const componentStatus = async (id: string) => {
  const body = (await call(`${h.url}/api/v2/components.json`)).body as { components: Obj[] };
  return body.components.find((c) => c.id === id)?.status;
};

beforeAll(async () => {
  t = await createTestDatabase();
  h = await startStatusPage({ db: t, clock });
});
afterAll(async () => {
  await h.close();
  await t.drop();
});

describe('scheduled maintenance', () => {
  it('refuses bad windows and unknown components, and needs the token', async () => {
    const base = {
      title: 'x',
      components: ['api'],
      starts_at: '2026-11-26T22:00:00Z',
      ends_at: '2026-11-26T23:00:00Z',
    };
    expect((await call(`${h.url}/api/v1/maintenances`, { json: base })).status).toBe(401);
    const cases: [Obj, string][] = [
      [{ ...base, title: '' }, 'title'],
      [{ ...base, ends_at: '2026-11-26T21:00:00Z' }, 'ends_at: must be after starts_at'],
      [
        { ...base, starts_at: '2026-11-26T10:00:00Z', ends_at: '2026-11-26T11:00:00Z' },
        'ends_at: must be in the future',
      ],
      [{ ...base, starts_at: 'tomorrow' }, 'starts_at'],
      [{ ...base, starts_at: '2026-11-26T22:00:00' }, 'zone offset'],
      [{ ...base, components: ['nope'] }, 'unknown component "nope"'],
      [{ ...base, extra: 1 }, 'extra'],
      [{ ...base, ends_at: '2027-02-01T00:00:00Z' }, 'at most 31 days'],
    ];
    for (const [json, message] of cases) {
      const res = await api('/maintenances', { json });
      expect([res.status, (res.body as { error: { message: string } }).error.message]).toEqual([
        400,
        expect.stringContaining(message),
      ]);
    }
    expect((await api('/maintenances')).body).toEqual({ maintenances: [] });
  });

  it('moves from upcoming to in progress to completed with the clock, and back to operational', async () => {
    const created = await changed(h, () =>
      api('/maintenances', {
        headers: { 'x-herald-actor': 'dana' },
        json: {
          title: 'Database upgrade',
          components: ['api', 'checkout'],
          starts_at: '2026-11-26T22:00:00+00:00',
          ends_at: '2026-11-26T23:00:00Z',
          message: 'Writes pause for a few minutes.',
        },
      }),
    );
    expect(created.status).toBe(201);
    const m = created.body as Obj;
    expect(m).toMatchObject({
      ref: expect.stringMatching(/^MNT-\d+$/),
      state: 'upcoming',
      components: ['api', 'checkout'],
      starts_at: '2026-11-26T22:00:00.000Z',
      created_by: 'api:dana',
    });
    expect(await componentStatus('api')).toBe('operational');
    let page = await get(`${h.url}/`);
    expect(
      missing(page.text, 'Scheduled maintenance', 'Database upgrade', 'Writes pause for a few minutes.'),
    ).toEqual([]);

    clock.set('2026-11-26T22:00:00Z'); // no write happens: the window opens by the clock alone
    expect(await componentStatus('api')).toBe('under_maintenance');
    expect(await componentStatus('checkout')).toBe('under_maintenance');
    expect(await componentStatus('website')).toBe('operational');
    const status = (await call(`${h.url}/api/v2/status.json`)).body as Obj;
    expect(status.status).toEqual({ indicator: 'maintenance', description: 'Service Under Maintenance' });
    page = await get(`${h.url}/`);
    expect(missing(page.text, 'Service Under Maintenance', 'In progress', 'Under maintenance')).toEqual([]);
    expect(
      ((await api('/maintenances?state=in_progress')).body as { maintenances: Obj[] }).maintenances,
    ).toHaveLength(1);

    clock.set('2026-11-26T23:00:00Z');
    expect(await componentStatus('api')).toBe('operational');
    const done = (await call(`${h.url}/api/v2/scheduled-maintenances.json`)).body as {
      scheduled_maintenances: Obj[];
    };
    expect(done.scheduled_maintenances[0]).toMatchObject({
      status: 'completed',
      resolved_at: '2026-11-26T23:00:00.000Z',
    });
    expect((await api(`/maintenances/${m.ref as string}`)).body).toMatchObject({ state: 'completed' });
    page = await get(`${h.url}/`);
    expect(present(page.text, 'Scheduled maintenance')).toEqual([]);
  });

  it('completes a window early and cancels one, refusing transitions that make no sense', async () => {
    clock.set('2026-11-27T09:00:00Z');
    const window = (title: string) =>
      changed(h, () =>
        api('/maintenances', {
          json: {
            title,
            components: ['website'],
            starts_at: '2026-11-27T10:00:00Z',
            ends_at: '2026-11-27T12:00:00Z',
          },
        }),
      ).then((r) => (r.body as Obj).ref as string);
    const early = await window('Early');
    const cancelled = await window('Cancelled');

    expect((await api(`/maintenances/${early}/complete`, { method: 'POST' })).status).toBe(409); // not started
    clock.set('2026-11-27T10:30:00Z');
    expect(await componentStatus('website')).toBe('under_maintenance');
    const completed = await changed(h, () => api(`/maintenances/${early}/complete`, { method: 'POST' }));
    expect(completed.body).toMatchObject({ state: 'completed', completed_at: '2026-11-27T10:30:00.000Z' });
    // the other window still holds the component
    expect(await componentStatus('website')).toBe('under_maintenance');
    const c = await changed(h, () =>
      api(`/maintenances/${cancelled.toLowerCase()}/cancel`, { method: 'POST' }),
    );
    expect(c.body).toMatchObject({ state: 'cancelled' });
    expect(await componentStatus('website')).toBe('operational');
    expect((await api(`/maintenances/${cancelled}/cancel`, { method: 'POST' })).status).toBe(409);
    expect((await api(`/maintenances/${early}/complete`, { method: 'POST' })).status).toBe(409);
    expect((await api('/maintenances/MNT-999/cancel', { method: 'POST' })).status).toBe(404);
    expect((await api('/maintenances/bogus')).status).toBe(400);
    const cancelledList = (await api('/maintenances?state=cancelled')).body as { maintenances: Obj[] };
    expect(cancelledList.maintenances.map((x) => x.ref)).toEqual([cancelled]);
    const json = (await call(`${h.url}/api/v2/scheduled-maintenances.json`)).body as {
      scheduled_maintenances: Obj[];
    };
    expect(json.scheduled_maintenances.map((x) => x.name)).not.toContain('Cancelled');
  });

  it('exposes MaintenanceService.schedule for Slack, with the same effect as the API', async () => {
    clock.set('2026-11-28T08:00:00Z');
    const m = await changed(h, () =>
      h.module.maintenances.schedule(
        {
          title: 'Network work',
          components: ['docs'],
          startsAt: DateTime.fromISO('2026-11-28T07:30:00Z'),
          endsAt: DateTime.fromISO('2026-11-28T09:00:00Z'),
        },
        'slack:U0DANA001',
      ),
    );
    expect(m).toMatchObject({ state: 'in_progress', createdBy: 'slack:U0DANA001' });
    expect(await componentStatus('docs')).toBe('under_maintenance');
  });
});
