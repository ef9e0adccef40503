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
