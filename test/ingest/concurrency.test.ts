import { sql } from 'kysely';
import { parseConfigText } from '../../src/config';
import { IncidentService } from '../../src/incidents/incident.service';
import { createIngest } from '../../src/ingest';
import type { IngestService } from '../../src/ingest/ingest.service';
import type { AlertBatch } from '../../src/ingest/types';
import { ManualClock } from '../../src/common/clock';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testModuleContext } from '../support/module-context';
import { CONFIG_YAML } from './support/harness';

/**
 * Two ingest services with their own incident services over one database: two Herald processes.
 * Their in-process locks are separate, so only the database keeps them consistent.
 */
let t: TestDatabase;
let a: IngestService;
let b: IngestService;
let incidents: IncidentService;
const clock = new ManualClock('2026-11-26T22:00:00Z');

beforeAll(async () => {
  t = await createTestDatabase();
  const config = parseConfigText(CONFIG_YAML, { DATABASE_URL: t.url }, 'ingest-test.yml');
  const make = () => {
    const service = new IncidentService({ db: t.db, clock, knownServices: new Set(['checkout', 'api']) });
    const ctx = testModuleContext(t, config, clock, service);
    const { module, service: ingest } = createIngest(ctx, { policy: { stormNewAlertsPerMinute: 5 } });
    for (const s of module.subscribers ?? []) service.subscribe(s);
    return { ingest, service };
  };
  const first = make();
  a = first.ingest;
  incidents = first.service;
  b = make().ingest;
});
afterAll(() => t.drop());

function batch(
  group: string,
  ids: string[],
  status: 'firing' | 'resolved' = 'firing',
  service = 'checkout',
): AlertBatch {
  return {
    integrationId: 'prometheus',
    autoResolve: true,
    groupKey: group,
    service,
    title: `${group} failing`,
    alerts: ids.map((id) => ({
      fingerprint: `${group}/${id}`,
      status,
      name: group,
      summary: `${group} on ${id}`,
      labels: {},
      service,
      severity: 'high',
      startsAt: null,
      url: null,
    })),
  };
}

/** Every incident's firing counter equals its firing alert rows. */
async function expectCountersConsistent(): Promise<void> {
  const r = await sql<{ incident_id: number; firing: number; rows: number }>`
    select ii.incident_id, ii.firing,
      (select count(*)::int from ingest_alerts a where a.incident_id = ii.incident_id and a.status = 'firing') as rows
    from ingest_incidents ii`.execute(t.db);
  for (const row of r.rows)
    expect({ id: row.incident_id, firing: row.firing }).toEqual({ id: row.incident_id, firing: row.rows });
}

const incidentCount = async () =>
  Number(
    (
      await t.db
        .selectFrom('incidents')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('concurrent requests from two processes', () => {
  it('open exactly one incident for one new group, and count every alert', async () => {
    const before = await incidentCount();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).ingest(batch('Race', [`x${i}`, 'shared'], 'firing', 'api')),
      ),
    );
    expect(await incidentCount()).toBe(before + 1);
    const refs = new Set(results.map((r) => r.incident));
    expect(refs.size).toBe(1);
    const ref = [...refs][0] as string;
    await expectCountersConsistent();
    const state = await t.db
      .selectFrom('ingest_incidents')
      .select(['firing', 'total', 'pending'])
      .where('incident_id', '=', Number(ref.slice(4)))
      .executeTakeFirstOrThrow();
    expect(state.firing).toBe(21);
    expect(state.total).toBe(21);

    // Resolve everything concurrently: resolved exactly once.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? b : a).ingest(batch('Race', [`x${i}`, 'shared'], 'resolved', 'api')),
      ),
    );
    await expectCountersConsistent();
    const { incident, events } = await incidents.timeline(ref);
    expect(incident.status).toBe('resolved');
    expect(events.filter((e) => e.kind === 'resolved')).toHaveLength(1);
  });

  it('open exactly one storm incident when many groups of a service fire at once', async () => {
    const before = await incidentCount();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).ingest(batch(`Storm${i}`, ['1', '2']))),
    );
    const storms = await t.db
      .selectFrom('ingest_incidents')
      .select('incident_id')
      .where('storm', '=', true)
      .execute();
    expect(storms).toHaveLength(1);
    // Before the rate crossed the threshold a few groups opened their own incidents; the rest collapsed.
    expect(await incidentCount()).toBeLessThan(before + 8);
    await expectCountersConsistent();
    const unbound = await t.db
      .selectFrom('ingest_alerts')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', '=', 'firing')
      .where('incident_id', 'is', null)
      .executeTakeFirstOrThrow();
    expect(Number(unbound.n)).toBe(0);
  });
});
