import { call } from '../support/http';
import { count, startHarness, timelineOf, TOKENS, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const post = (json: unknown, token: string = TOKENS.scripts) =>
  call(`${h.url}/hooks/generic`, { token, json });
const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

describe('POST /hooks/generic', () => {
  it('opens, groups by dedup_key, and resolves', async () => {
    const alert = {
      title: 'Nightly backup failed',
      severity: 'low',
      service: 'api',
      dedup_key: 'backup-2026-11-26',
      status: 'firing',
      details: { host: 'db-1', exit_code: 2, log: ['line 1', 'line 2'] },
    };
    const res = await post(alert);
    expect(res.status).toBe(200);
    const ref = (res.body as { incident: string }).incident;
    const incident = await h.incidents.get(ref);
    expect(incident).toMatchObject({
      title: 'Nightly backup failed',
      severity: 'low',
      services: ['api'],
      createdBy: 'alert:scripts',
    });
    expect(incident.description).toContain('host: db-1');
    expect(incident.description).toContain('log: ["line 1","line 2"]');

    expect((await post({ ...alert, title: 'Nightly backup failed (retry)' })).body).toMatchObject({
      incident: ref,
      new: 0,
    });
    await post({ title: 'Nightly backup failed', dedup_key: 'backup-2026-11-26', status: 'resolved' });
    expect((await h.incidents.get(ref)).status).toBe('resolved');
    expect((await timelineOf(h, ref)).map(([kind]) => kind)).toEqual(['declared', 'resolved']);
  });

  it('uses the integration default severity and the title as dedup key when absent', async () => {
    const res = await post({ title: 'Queue depth high' });
    const ref = (res.body as { incident: string }).incident;
    expect(await h.incidents.get(ref)).toMatchObject({ severity: 'medium', services: [] });
    expect((await post({ title: 'Queue depth high' })).body).toMatchObject({ incident: ref, new: 0 });
  });
});

describe('POST /hooks/generic is strict', () => {
  let before: number;
  beforeEach(async () => {
    before = await count(h, 'ingest_alerts');
  });
  afterEach(async () => {
    expect(await count(h, 'ingest_alerts')).toBe(before);
  });

  it('400 for unknown fields, unknown severities, unknown services and a missing title', async () => {
    const unknownField = await post({ title: 'x', sevrity: 'high' });
    expect(unknownField.status).toBe(400);
    expect(errorOf(unknownField.body).message).toContain('sevrity');
    const badSeverity = await post({ title: 'x', severity: 'urgent' });
    expect(errorOf(badSeverity.body).message).toContain(
      'severity: expected one of: critical, high, medium, low, info',
    );
    const badService = await post({ title: 'x', service: 'billing' });
    expect(badService.status).toBe(400);
    expect(errorOf(badService.body).message).toContain('unknown service "billing"');
    expect((await post({ severity: 'high' })).status).toBe(400);
    expect((await post({ title: 'x', status: 'acknowledged' })).status).toBe(400);
  });

  it('401 for a wrong token, 413 over 64 KiB', async () => {
    expect((await post({ title: 'x' }, TOKENS.prometheus)).status).toBe(401);
    const huge = await post({ title: 'x', details: { blob: 'y'.repeat(70 * 1024) } });
    expect(huge.status).toBe(413);
  });
});
