/* eslint-disable no-console -- a benchmark prints its figures */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import autocannon from 'autocannon';
import pg from 'pg';
import { parseConfigText } from '../src/config';
import { createPool, kyselyFor } from '../src/db/connect';
import { migrateToLatest } from '../src/db/migrate';
import { createMetrics } from '../src/http/metrics';
import { IncidentService } from '../src/incidents/incident.service';
import { createIngest, type IngestPolicy } from '../src/ingest';
import { systemClock } from '../src/common/clock';
import { benchServer, childNodeArgs, serveForBench, type BenchServer } from './support';
import { createLogger } from '../src/common/logger';

/**
 * Alert ingestion throughput, durable in PostgreSQL: sustained alerts/s into 50 groups (one
 * service each) and request p99, for (a) Alertmanager requests of 100 new alerts each and (b) one
 * new alert per request. Herald runs in a child process (its own event loop, as in production);
 * autocannon drives it over 127.0.0.1 from this one; PostgreSQL is embedded in a temp dir unless
 * DATABASE_URL is set. Each scenario gets a fresh database. Every accepted alert is checked to be
 * in `ingest_alerts` afterwards.
 *
 * `coalesced` is Herald's real behaviour at this rate: far above the storm threshold, so each
 * group's "N more alerts" timeline events are coalesced to one a minute. `every request` lifts the
 * threshold so every request writes a timeline event through IncidentService as well.
 */
const GROUPS = 50;
const TOKEN = 'bench-alertmanager-token-0123';
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
/** Herald's default pool size (src/db/connect.ts). */
const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 10);

interface Scenario {
  readonly key: string;
  readonly alertsPerRequest: number;
  readonly policy: Partial<IngestPolicy>;
}

const SCENARIOS: readonly Scenario[] = [
  { key: 'batch100', alertsPerRequest: 100, policy: {} },
  { key: 'single', alertsPerRequest: 1, policy: {} },
  { key: 'batch100_every_request', alertsPerRequest: 100, policy: { stormNewAlertsPerMinute: 1e9 } },
  { key: 'single_every_request', alertsPerRequest: 1, policy: { stormNewAlertsPerMinute: 1e9 } },
];

const services = Array.from({ length: GROUPS }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
const CONFIG = `
services:
${services.map((s) => `  - id: ${s}`).join('\n')}
integrations:
  - id: prometheus
    type: alertmanager
    token: ${TOKEN}
`;

/** Child mode: Herald's HTTP side with the ingest module, on the database in BENCH_DATABASE_URL. */
async function serve(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL as string;
  const logger = createLogger('warn');
  const pool = createPool(url, logger, POOL_SIZE);
  const db = kyselyFor(pool);
  await migrateToLatest(db, pool);
  const config = parseConfigText(CONFIG, { DATABASE_URL: url }, 'bench.yml');
  const incidents = new IncidentService({ db, clock: systemClock, knownServices: new Set(services) });
  const metrics = createMetrics();
  const policy = JSON.parse(process.env.BENCH_POLICY ?? '{}') as Partial<IngestPolicy>;
  const ctx = { config, db, pool, logger, clock: systemClock, incidents, metrics };
  const { module } = createIngest(ctx, { policy }); // production limits: 429s count as failures
  for (const s of module.subscribers ?? []) incidents.subscribe(s);
  const app = await serveForBench({ logger, db, incidents, metrics, routes: [module.routes!] });
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => db.destroy())
      .then(() => process.exit(0));
  });
}

async function startServer(
  databaseUrl: string,
  policy: Partial<IngestPolicy>,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...childNodeArgs(), __filename, '--serve'], {
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl, BENCH_POLICY: JSON.stringify(policy) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => line.startsWith('READY ') && resolve(line.slice(6)));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { url, child };
}

function body(group: number, first: number, count: number): string {
  const name = `Bench${group}`;
  const service = services[group] as string;
  const alerts = Array.from({ length: count }, (_, i) => ({
    status: 'firing',
    labels: { alertname: name, service, severity: 'warning', instance: `host-${first + i}:9100` },
    annotations: { summary: `${name} above threshold` },
    startsAt: '2026-11-26T21:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph',
    fingerprint: `${group}-${first + i}`,
  }));
  return JSON.stringify({
    version: '4',
    status: 'firing',
    receiver: 'herald',
    groupKey: `{}:{alertname="${name}"}`,
    groupLabels: { alertname: name },
    commonLabels: { alertname: name, service, severity: 'warning' },
    commonAnnotations: { summary: `${name} above threshold` },
    alerts,
  });
}

/** Drives the hook for `duration` seconds; `counter` numbers requests across calls (fresh alerts). */
async function load(
  url: string,
  s: Scenario,
  duration: number,
  counter: { n: number },
): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/hooks/alertmanager`,
    method: 'POST',
    connections: CONNECTIONS,
    duration,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req) => {
          const i = counter.n++;
          return {
            ...req,
            body: body(i % GROUPS, Math.floor(i / GROUPS) * s.alertsPerRequest, s.alertsPerRequest),
          };
        },
      },
    ],
  });
}

async function scenario(pgServer: BenchServer, s: Scenario): Promise<Record<string, number>> {
  const dbUrl = await pgServer.freshDatabase(`herald_bench_${s.key}_${process.pid}`);
  const server = await startServer(dbUrl, s.policy);
  try {
    // Warm-up (not measured): the 50 incidents are declared and, where the rate calls for it,
    // storm coalescing starts, as it would minutes into a real storm.
    const counter = { n: 0 };
    const started = Date.now();
    const warm = WARMUP_S > 0 ? await load(server.url, s, WARMUP_S, counter) : null;
    const result = await load(server.url, s, DURATION_S, counter);
    const check = new pg.Client({ connectionString: dbUrl.toString() });
    await check.connect();
    const stored = Number((await check.query('select count(*) as n from ingest_alerts')).rows[0].n);
    const incidents = Number((await check.query('select count(*) as n from incidents')).rows[0].n);
    const lastDeclared = (await check.query('select max(created_at) as t from incidents')).rows[0].t as Date;
    const events = Number((await check.query('select count(*) as n from incident_events')).rows[0].n);
    await check.end();
    const ok = result['2xx'];
    const answered = (ok + (warm?.['2xx'] ?? 0)) * s.alertsPerRequest;
    // Requests still in flight when autocannon stops are stored but not counted as answered.
    if (stored < answered || stored > answered + 2 * CONNECTIONS * s.alertsPerRequest) {
      throw new Error(`${s.key}: ${answered} alerts answered 2xx but ${stored} stored`);
    }
    return {
      [`ingest_${s.key}_alerts_per_s`]: Math.round((ok * s.alertsPerRequest) / DURATION_S),
      [`ingest_${s.key}_requests_per_s`]: Math.round(ok / DURATION_S),
      [`ingest_${s.key}_p50_ms`]: result.latency.p50,
      [`ingest_${s.key}_p99_ms`]: result.latency.p99,
      [`ingest_${s.key}_non_2xx`]: result.non2xx + result.errors + result.timeouts,
      [`ingest_${s.key}_incidents`]: incidents,
      [`ingest_${s.key}_all_groups_declared_ms`]: lastDeclared.getTime() - started,
      [`ingest_${s.key}_timeline_events`]: events,
    };
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
  }
}

/** Runs every scenario; figures keyed `ingest_<scenario>_<figure>`. */
export async function run(): Promise<Record<string, number>> {
  const pgServer = await benchServer();
  try {
    const figures: Record<string, number> = {};
    const only = process.env.BENCH_SCENARIOS?.split(',');
    for (const s of SCENARIOS) {
      if (only && !only.includes(s.key)) continue;
      Object.assign(figures, await scenario(pgServer, s));
    }
    return figures;
  } finally {
    await pgServer.stop();
  }
}

if (require.main === module) {
  if (process.argv[2] === '--serve') {
    serve().catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  } else {
    run()
      .then((figures) => console.table(figures))
      .catch((err: unknown) => {
        console.error(err);
        process.exit(1);
      });
  }
}
