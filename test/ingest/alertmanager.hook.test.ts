import fs from 'node:fs';
import path from 'node:path';
import { call } from '../support/http';
import { count, startHarness, timelineOf, TOKENS, type Harness } from './support/harness';

const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/ingest', name), 'utf8')) as Record<
    string,
    unknown
  >;
const FIRING = fixture('alertmanager-firing.json');
const RESOLVED = fixture('alertmanager-resolved.json');

type Obj = Record<string, unknown>;
type Alert = { status: string; labels: Record<string, string>; fingerprint: string } & Obj;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const post = (json: unknown, token: string = TOKENS.prometheus, extra: Parameters<typeof call>[1] = {}) =>
  call(`${h.url}/hooks/alertmanager`, { token, json, ...extra });
const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

/** A copy of the real payload with another group key and alert name, so tests do not share groups. */
function group(
  name: string,
  alerts: ReadonlyArray<{ id: string; status?: 'firing' | 'resolved' }>,
  status = 'firing',
): Obj {
  const base = (FIRING.alerts as Alert[])[0] as Alert;
  return {
    ...FIRING,
    status,
    groupKey: `{}:{alertname="${name}", service="checkout"}`,
    groupLabels: { alertname: name, service: 'checkout' },
    commonLabels: { alertname: name, service: 'checkout', severity: 'critical' },
    alerts: alerts.map((a) => ({
      ...base,
      status: a.status ?? 'firing',
      labels: { ...base.labels, alertname: name, instance: a.id },
      fingerprint: `${name}-${a.id}`,
    })),
  };
}

describe('POST /hooks/alertmanager with what Alertmanager 0.25 really sent', () => {
  it('opens an incident through the incident service, ignores the repeat, and resolves when the group resolves', async () => {
    const res = await post(FIRING);
    expect(res.status).toBe(200);
    const body = res.body as { incident: string; received: number; new: number };
    expect(body).toMatchObject({ received: 2, new: 2, resolved: 0 });
    const ref = body.incident;
    expect(ref).toMatch(/^INC-\d+$/);

    const incident = await h.incidents.get(ref);
    expect(incident).toMatchObject({
      title: 'HighLatency: p99 latency above 2s',
      severity: 'critical',
      status: 'investigating',
      services: ['checkout'],
      source: 'alert',
      createdBy: 'alert:prometheus',
    });
    expect(incident.startedAt.toISO()).toBe('2026-11-26T21:26:21.977Z');
    expect(incident.description).toContain('2 alerts firing (prometheus):');
    expect(incident.description).toContain('checkout-1:9100: p99 latency above 2s');
    expect(h.changes.at(-1)?.event.kind).toBe('declared');

    // Alertmanager re-sends the whole group every group_interval: nothing new, nothing said.
    const eventsBefore = await count(h, 'incident_events');
    const again = await post(FIRING);
    expect(again.body).toMatchObject({ incident: ref, new: 0 });
    expect(await count(h, 'incident_events')).toBe(eventsBefore);

    h.clock.advance({ minutes: 5 });
    const resolved = await post(RESOLVED);
    expect(resolved.body).toMatchObject({ incident: ref, resolved: 2 });
    expect((await h.incidents.get(ref)).status).toBe('resolved');
    expect(await timelineOf(h, ref)).toEqual([
      ['declared', 'alert:prometheus', expect.stringContaining('2 alerts firing')],
      ['resolved', 'alert:prometheus', 'All 2 alerts resolved'],
    ]);
  });

  it('attaches alerts of an open group with one timeline event per request', async () => {
    const first = await post(group('DiskFull', [{ id: 'a' }, { id: 'b' }]));
    const ref = (first.body as { incident: string }).incident;
    const more = await post(
      group('DiskFull', [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }, { id: 'e' }]),
    );
    expect(more.body).toMatchObject({ incident: ref, new: 3 });
    const timeline = await timelineOf(h, ref);
    expect(timeline).toHaveLength(2);
    expect(timeline[1]?.[0]).toBe('updated');
    expect(timeline[1]?.[2]).toMatch(/^3 more alerts \(5 firing, 5 in total\): /);
  });

  it('resolves only when every alert of the incident has resolved', async () => {
    const first = await post(group('QueueBacklog', [{ id: 'a' }, { id: 'b' }]));
    const ref = (first.body as { incident: string }).incident;
    await post(group('QueueBacklog', [{ id: 'a', status: 'resolved' }, { id: 'b' }]));
    expect((await h.incidents.get(ref)).status).toBe('investigating');
    await post(
      group(
        'QueueBacklog',
        [
          { id: 'a', status: 'resolved' },
          { id: 'b', status: 'resolved' },
        ],
        'resolved',
      ),
    );
    expect((await h.incidents.get(ref)).status).toBe('resolved');
  });

  it('with auto_resolve off, says the alerts cleared and leaves the incident to a person', async () => {
    const first = await post(group('CertExpiry', [{ id: 'a' }]), TOKENS.manual);
    const ref = (first.body as { incident: string }).incident;
    await post(group('CertExpiry', [{ id: 'a', status: 'resolved' }], 'resolved'), TOKENS.manual);
    const incident = await h.incidents.get(ref);
    expect(incident.status).toBe('investigating');
    expect(incident.createdBy).toBe('alert:manual');
    expect((await timelineOf(h, ref)).at(-1)).toEqual([
      'updated',
      'alert:manual',
      'The alert has cleared. Auto-resolve is off for this integration, so the incident stays open for a person to resolve.',
    ]);
  });

  it('tolerates fields it does not know (Alertmanager adds them between releases)', async () => {
    const alerts = (group('NewField', [{ id: 'a' }]).alerts as Obj[]).map((a) => ({
      ...a,
      silencedBy: [],
      extra: 1,
    }));
    const res = await post({ ...group('NewField', [{ id: 'a' }]), alerts, somethingNew: { nested: true } });
    expect(res.status).toBe(200);
    expect((res.body as { incident: string }).incident).toMatch(/^INC-/);
  });

  it('accepts the token in the query string', async () => {
    const res = await call(`${h.url}/hooks/alertmanager?token=${TOKENS.prometheus}`, { json: FIRING });
    expect(res.status).toBe(200);
  });

  it('takes a big group (2,000 alerts, ~0.7 MB: above the server-wide 256 KiB limit) in one request', async () => {
    const big = group(
      'BigGroup',
      Array.from({ length: 2000 }, (_, i) => ({ id: `node-${i}-${'x'.repeat(40)}` })),
    );
    expect(JSON.stringify(big).length).toBeGreaterThan(600_000);
    expect(JSON.stringify(big).length).toBeLessThan(1024 * 1024);
    const res = await post(big);
    expect(res.status).toBe(200);
    const ref = (res.body as { incident: string }).incident;
    expect(res.body).toMatchObject({ received: 2000, new: 2000 });
    expect((await h.incidents.get(ref)).description).toContain('… and 1,990 more alerts');
    expect(await timelineOf(h, ref)).toHaveLength(1);
  });
});

describe('POST /hooks/alertmanager refuses what it cannot use, and changes nothing', () => {
  let before: { incidents: number; alerts: number };
  beforeEach(async () => {
    before = { incidents: await count(h, 'incidents'), alerts: await count(h, 'ingest_alerts') };
  });
  afterEach(async () => {
    expect({ incidents: await count(h, 'incidents'), alerts: await count(h, 'ingest_alerts') }).toEqual(
      before,
    );
  });

  it('401 without a token, with a wrong one, and with another hook type’s token', async () => {
    const none = await call(`${h.url}/hooks/alertmanager`, { json: group('Nope', [{ id: 'a' }]) });
    expect(none.status).toBe(401);
    expect(errorOf(none.body)).toMatchObject({ code: 'Unauthorized' });
    expect((await post(group('Nope', [{ id: 'a' }]), 'wrong-token-0123456789')).status).toBe(401);
    expect((await post(group('Nope', [{ id: 'a' }]), TOKENS.scripts)).status).toBe(401);
  });

  it('400 for malformed JSON and for payloads that are not Alertmanager’s', async () => {
    const bad = await post(undefined, TOKENS.prometheus, {
      raw: '{"alerts": [',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.body).code).toBe('Validation');
    const noAlerts = await post({ ...FIRING, alerts: [] });
    expect(noAlerts.status).toBe(400);
    expect(errorOf(noAlerts.body).message).toContain('alerts');
    const badStatus = await post({ ...FIRING, alerts: [{ status: 'burning', labels: {} }] });
    expect(badStatus.status).toBe(400);
    expect(errorOf(badStatus.body).message).toMatch(/alerts\[0\]\.status/);
  });

  it('413 for a body over 1 MiB, 415 for a body that is not JSON', async () => {
    const huge = group(
      'Huge',
      Array.from({ length: 3000 }, (_, i) => ({ id: `instance-${i}-${'x'.repeat(300)}` })),
    );
    const res = await post(huge);
    expect(res.status).toBe(413);
    expect(errorOf(res.body).code).toBe('PayloadTooLarge');
    const text = await post(undefined, TOKENS.prometheus, {
      raw: 'alert!',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
  });
});
