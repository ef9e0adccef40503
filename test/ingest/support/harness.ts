import type { FastifyInstance } from 'fastify';
import { parseConfigText, type HeraldConfig } from '../../../src/config';
import { buildServer } from '../../../src/http/server';
import { IncidentService, type IncidentChange } from '../../../src/incidents/incident.service';
import { createIngest, type IngestOptions } from '../../../src/ingest';
import type { IngestService } from '../../../src/ingest/ingest.service';
import { ManualClock } from '../../../src/common/clock';
import { createTestDatabase, testLogger, type TestDatabase } from '../../support/db';
import { testModuleContext } from '../../support/module-context';

export const TOKENS = {
  prometheus: 'am-token-0123456789abcdef',
  manual: 'am-manual-0123456789abcdef',
  cloudwatch: 'sns-token-0123456789abcdef',
  scripts: 'generic-token-0123456789abc',
} as const;

/** Bearer token for the harness server's `/metrics` (no API token is set). */
export const METRICS_TOKEN = 'metrics-token-0123456789';

/** Two services, and one integration of each kind (plus an Alertmanager one without auto-resolve). */
export const CONFIG_YAML = `
services:
  - id: checkout
  - id: api
integrations:
  - id: prometheus
    type: alertmanager
    token: ${TOKENS.prometheus}
  - id: manual
    type: alertmanager
    token: ${TOKENS.manual}
    auto_resolve: false
  - id: cloudwatch
    type: sns
    token: ${TOKENS.cloudwatch}
  - id: scripts
    type: generic
    token: ${TOKENS.scripts}
    default_severity: medium
`;

export interface Harness {
  readonly t: TestDatabase;
  readonly url: string;
  readonly app: FastifyInstance;
  readonly clock: ManualClock;
  readonly incidents: IncidentService;
  readonly ingest: IngestService;
  /** Every incident change published, in order (what notifications and Slack would see). */
  readonly changes: IncidentChange[];
  readonly config: HeraldConfig;
  close(): Promise<void>;
}

/**
 * The real fastify server with the ingest module's routes, over a fresh test database, with the
 * incident service carrying the module's subscriber and a recorder of every change.
 */
export async function startHarness(
  opts: { options?: IngestOptions; yaml?: string; clock?: ManualClock } = {},
): Promise<Harness> {
  const t = await createTestDatabase();
  const clock = opts.clock ?? new ManualClock('2026-11-26T21:30:00Z');
  const config = parseConfigText(opts.yaml ?? CONFIG_YAML, { DATABASE_URL: t.url }, 'ingest-test.yml');
  const changes: IncidentChange[] = [];
  const incidents = new IncidentService({
    db: t.db,
    clock,
    knownServices: new Set(config.file.services.map((s) => s.id)),
  });
  const ctx = testModuleContext(t, config, clock, incidents);
  const metrics = ctx.metrics;
  const { module, service } = createIngest(ctx, opts.options);
  for (const s of module.subscribers ?? []) incidents.subscribe(s);
  incidents.subscribe(async (_trx, change) => void changes.push(change));
  const app = await buildServer({
    logger: testLogger,
    db: t.db,
    incidents,
    metrics,
    apiToken: undefined,
    metricsToken: METRICS_TOKEN,
    routes: module.routes ? [module.routes] : [],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  return {
    t,
    url: `http://127.0.0.1:${port}`,
    app,
    clock,
    incidents,
    ingest: service,
    changes,
    config,
    close: async () => {
      await app.close();
      await t.drop();
    },
  };
}

/** Timeline of an incident as `[kind, actor, message]`. */
export async function timelineOf(h: Harness, ref: string): Promise<Array<[string, string, string | null]>> {
  const { events } = await h.incidents.timeline(ref);
  return events.map((e) => [e.kind, e.actor, e.message]);
}

export async function count(
  h: Harness,
  table: 'incidents' | 'incident_events' | 'ingest_alerts',
): Promise<number> {
  const r = await h.t.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
