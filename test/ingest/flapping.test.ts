import { call } from '../support/http';
import { count, startHarness, timelineOf, TOKENS, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** One Alertmanager request for a one-alert group named `name`. */
async function send(name: string, status: 'firing' | 'resolved'): Promise<string | null> {
  const res = await call(`${h.url}/hooks/alertmanager`, {
    token: TOKENS.prometheus,
    json: {
      version: '4',
      status,
      groupKey: `{}:{alertname="${name}"}`,
      groupLabels: { alertname: name },
      commonLabels: { alertname: name, service: 'api', severity: 'warning' },
      commonAnnotations: { summary: `${name} is flapping` },
      alerts: [
        {
          status,
          labels: { alertname: name, service: 'api', severity: 'warning' },
          annotations: { summary: `${name} is flapping` },
          startsAt: '2026-11-26T21:00:00Z',
          fingerprint: `${name}-1`,
        },
      ],
    },
  });
  expect(res.status).toBe(200);
  return (res.body as { incident: string | null }).incident;
}

describe('a flapping alert', () => {
  it('reopens the same incident, then waits for the alerts to stay clear before resolving', async () => {
    const ref = await send('Flappy', 'firing');
    expect(ref).toMatch(/^INC-/);
    const incidents = await count(h, 'incidents');
    h.clock.advance({ minutes: 1 });
    await send('Flappy', 'resolved');
    expect((await h.incidents.get(ref as string)).status).toBe('resolved');

    h.clock.advance({ minutes: 2 });
    expect(await send('Flappy', 'firing')).toBe(ref);
    const reopened = await h.incidents.get(ref as string);
    expect(reopened.status).toBe('investigating');
    expect((await timelineOf(h, ref as string)).at(-1)).toEqual([
      'reopened',
      'alert:prometheus',
      '1 alert firing again 2 minutes after the incident was resolved (flapping): Flappy is flapping',
    ]);

    // Clear, fire, clear again within the window: no events at all.
    const events = (await timelineOf(h, ref as string)).length;
    for (const status of ['resolved', 'firing', 'resolved'] as const) {
      h.clock.advance({ minutes: 1 });
      await send('Flappy', status);
    }
    expect((await timelineOf(h, ref as string)).length).toBe(events);
    expect((await h.incidents.get(ref as string)).status).toBe('investigating');

    h.clock.advance({ minutes: 5 });
    await h.ingest.sweep();
    expect((await h.incidents.get(ref as string)).status).toBe('investigating');
    h.clock.advance({ minutes: 6 });
    await h.ingest.sweep();
    expect((await h.incidents.get(ref as string)).status).toBe('resolved');
    expect((await timelineOf(h, ref as string)).map(([kind, , message]) => [kind, message])).toEqual([
      ['declared', expect.stringContaining('1 alert firing')],
      ['resolved', 'The alert resolved'],
      ['reopened', expect.stringContaining('flapping')],
      ['resolved', 'The alert resolved and stayed resolved for 10 minutes after flapping'],
    ]);
    expect(await count(h, 'incidents')).toBe(incidents);

    // Long after, the same alert is news again: a new incident.
    h.clock.advance({ minutes: 30 });
    const next = await send('Flappy', 'firing');
    expect(next).not.toBe(ref);
    expect(await count(h, 'incidents')).toBe(incidents + 1);
  });

  it('leaves an incident a person resolved alone while its alerts keep repeating', async () => {
    const ref = (await send('Noisy', 'firing')) as string;
    await h.incidents.resolve(ref, { summary: 'known, muted upstream' }, 'U1');
    h.clock.advance({ minutes: 3 });
    await send('Noisy', 'firing'); // Alertmanager's repeat
    expect((await h.incidents.get(ref)).status).toBe('resolved');
    expect((await timelineOf(h, ref)).map(([kind]) => kind)).toEqual(['declared', 'resolved']);
  });

  it('does not resolve again an incident a person reopened after its alerts cleared', async () => {
    const ref = (await send('Reopened', 'firing')) as string;
    h.clock.advance({ minutes: 1 });
    await send('Reopened', 'resolved');
    expect((await h.incidents.get(ref)).status).toBe('resolved');
    await h.incidents.reopen(ref, 'U2', 'customers still see errors');
    h.clock.advance({ minutes: 20 });
    await h.ingest.sweep();
    expect((await h.incidents.get(ref)).status).toBe('investigating');
  });
});

describe('the sweep', () => {
  it('repairs what a crash between the facts and the incident change left behind', async () => {
    // Facts written, process gone before declaring: firing alerts bound to no incident.
    const now = h.clock.now().toJSDate();
    await h.t.db
      .insertInto('ingest_groups')
      .values({
        integration_id: 'prometheus',
        group_key: 'crashed',
        service: 'api',
        title: 'Crashed group',
        updated_at: now,
      })
      .execute();
    await h.t.db
      .insertInto('ingest_alerts')
      .values(
        ['a', 'b'].map((f) => ({
          integration_id: 'prometheus',
          group_key: 'crashed',
          fingerprint: f,
          incident_id: null,
          status: 'firing' as const,
          name: 'Crashed',
          summary: `crashed ${f}`,
          severity: 'high',
          service: 'api',
          labels: '{}',
          url: null,
          starts_at: now,
          fired_at: now,
        })),
      )
      .execute();
    await h.ingest.sweep();
    const group = await h.t.db
      .selectFrom('ingest_groups')
      .select('incident_id')
      .where('group_key', '=', 'crashed')
      .executeTakeFirstOrThrow();
    const ref = `INC-${group.incident_id}`;
    expect(await h.incidents.get(ref)).toMatchObject({
      title: 'Crashed group',
      services: ['api'],
      status: 'investigating',
    });

    // Alerts resolved, process gone before resolving the incident.
    await h.t.db
      .updateTable('ingest_alerts')
      .set({ status: 'resolved', resolved_at: now })
      .where('group_key', '=', 'crashed')
      .execute();
    await h.t.db
      .updateTable('ingest_incidents')
      .set({ firing: 0 })
      .where('incident_id', '=', group.incident_id as number)
      .execute();
    await h.ingest.sweep();
    expect((await h.incidents.get(ref)).status).toBe('resolved');
  });
});
