import { call } from '../support/http';
import { count, startHarness, timelineOf, TOKENS, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    options: { policy: { stormNewAlertsPerMinute: 5, stormUpdateIntervalSeconds: 60 } },
  });
});
afterAll(() => h.close());

/** One Alertmanager group `name` for service checkout with the given instances. */
async function send(
  name: string,
  instances: string[],
  status: 'firing' | 'resolved' = 'firing',
): Promise<string | null> {
  const res = await call(`${h.url}/hooks/alertmanager`, {
    token: TOKENS.prometheus,
    json: {
      version: '4',
      status,
      groupKey: `{}:{alertname="${name}"}`,
      groupLabels: { alertname: name },
      commonLabels: { alertname: name, service: 'checkout' },
      alerts: instances.map((i) => ({
        status,
        labels: {
          alertname: name,
          service: 'checkout',
          severity: name === 'Storm9' ? 'critical' : 'warning',
          instance: i,
        },
        annotations: { summary: `${name} on ${i}` },
        fingerprint: `${name}/${i}`,
      })),
    },
  });
  expect(res.status).toBe(200);
  return (res.body as { incident: string | null }).incident;
}

describe('an alert storm', () => {
  it('collapses new groups of one service into one incident, with coalesced updates and no flood', async () => {
    const own: string[] = [];
    for (let i = 1; i <= 5; i++) own.push((await send(`Storm${i}`, ['a'])) as string);
    expect(new Set(own).size).toBe(5);
    const incidentsBefore = await count(h, 'incidents');

    const stormRef = (await send('Storm6', ['a'])) as string;
    const storm = await h.incidents.get(stormRef);
    expect(storm).toMatchObject({
      title: 'Alert storm: checkout',
      services: ['checkout'],
      severity: 'medium',
    });
    expect(storm.description).toContain('More than 5 new alerts a minute for checkout');

    const changesBefore = h.changes.length;
    for (let i = 7; i <= 12; i++) expect(await send(`Storm${i}`, ['a', 'b'])).toBe(stormRef);
    // The first groups keep their incidents; their new alerts are coalesced too.
    expect(await send('Storm1', ['a', 'b', 'c'])).toBe(own[0]);
    expect(h.changes.length).toBe(changesBefore);
    expect(await count(h, 'incidents')).toBe(incidentsBefore + 1);

    // Nothing is due yet; after the update interval one update per incident, with the running count.
    await h.ingest.sweep();
    expect(h.changes.length).toBe(changesBefore);
    h.clock.advance({ seconds: 61 });
    await h.ingest.sweep();
    expect(await timelineOf(h, stormRef)).toEqual([
      ['declared', 'alert:prometheus', expect.any(String)],
      ['updated', 'alert:prometheus', expect.stringMatching(/^12 more alerts \(13 firing, 13 in total\): /)],
    ]);
    // A critical alert arrived in the storm (Storm9): the update raised the severity.
    expect((await h.incidents.get(stormRef)).severity).toBe('critical');
    expect((await timelineOf(h, own[0] as string)).at(-1)?.[2]).toMatch(
      /^2 more alerts \(3 firing, 3 in total\)/,
    );
    expect(h.changes.length).toBe(changesBefore + 2);

    // Once the storm has passed, a new group opens its own incident again.
    h.clock.advance({ minutes: 3 });
    const calm = await send('AfterStorm', ['a']);
    expect(calm).not.toBe(stormRef);
    expect((await h.incidents.get(calm as string)).title).toBe('AfterStorm');
  });

  it('resolves the storm incident when every alert in it has resolved', async () => {
    const stormRef = (await send('Storm6', ['a'])) as string;
    await send('Storm6', ['a'], 'resolved');
    for (let i = 7; i <= 11; i++) await send(`Storm${i}`, ['a', 'b'], 'resolved');
    expect((await h.incidents.get(stormRef)).status).toBe('investigating');
    await send('Storm12', ['a', 'b'], 'resolved');
    expect((await h.incidents.get(stormRef)).status).toBe('resolved');
    expect((await timelineOf(h, stormRef)).at(-1)).toEqual([
      'resolved',
      'alert:prometheus',
      'All 13 alerts resolved',
    ]);
  });
});
