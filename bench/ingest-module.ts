/* eslint-disable no-console -- a benchmark prints its figures */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import pg from 'pg';
import { parseConfigText } from '../src/config';
import { createPool, kyselyFor } from '../src/db/connect';
import { migrateToLatest } from '../src/db/migrate';
import { createMetrics } from '../src/http/metrics';
import { IncidentService } from '../src/incidents/incident.service';
import { createIngest, type IngestPolicy } from '../src/ingest';
import { systemClock } from '../src/common/clock';
import { createLogger } from '../src/common/logger';
import { alertLoad, alertServicesConfig, failures, services } from './alerts';
import { benchServer, childNodeArgs, serveForBench, type BenchServer } from './support';

/**
 * The ingest module alone (the benchmark's figures before H5, kept as `module_alone_*` rows):
 * Herald's HTTP server with only the ingest module's routes, in a child process, on a fresh
 * database of a PostgreSQL of the benchmark's own; no worker, no other module. Beside the product
 * figures they show what the rest of `herald start` costs the hook.
 *
 * `every_request` scenarios lift the storm threshold so every request writes a timeline event
 * through IncidentService as well, instead of one "N more alerts" a minute per group.
 */
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

/** Herald's default pool size (src/db/connect.ts). */
const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 10);

/** Child mode: Herald's HTTP side with the ingest module, on the database in BENCH_DATABASE_URL. */
async function serve(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL as string;
  const logger = createLogger('warn');
  const pool = createPool(url, logger, POOL_SIZE);
  const db = kyselyFor(pool);
  await migrateToLatest(db, pool);
  const config = parseConfigText(alertServicesConfig(), { DATABASE_URL: url }, 'bench.yml');
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

async function scenario(
  pgServer: BenchServer,
  s: Scenario,
  o: { connections: number; durationS: number; warmupS: number },
): Promise<Record<string, number>> {
  const dbUrl = await pgServer.freshDatabase(`herald_bench_${s.key}_${process.pid}`);
  const server = await startServer(dbUrl, s.policy);
  const load = { target: 'herald', url: server.url, alertsPerRequest: s.alertsPerRequest } as const;
  try {
    const counter = { n: 0 };
    const warm = o.warmupS > 0 ? await alertLoad({ ...load, ...o, durationS: o.warmupS, counter }) : null;
    const result = await alertLoad({ ...load, ...o, counter });
    const check = new pg.Client({ connectionString: dbUrl.toString() });
    await check.connect();
    const stored = Number((await check.query('select count(*) as n from ingest_alerts')).rows[0].n);
    await check.end();
    const answered = (result['2xx'] + (warm?.['2xx'] ?? 0)) * s.alertsPerRequest;
    // Requests still in flight when autocannon stops are stored but not counted as answered.
    if (stored < answered || stored > answered + 2 * o.connections * s.alertsPerRequest) {
      throw new Error(`module_alone_${s.key}: ${answered} alerts answered 2xx but ${stored} stored`);
    }
    const k = `module_alone_${s.key}`;
    return {
      [`${k}_alerts_per_s`]: Math.round((result['2xx'] * s.alertsPerRequest) / o.durationS),
      [`${k}_requests_per_s`]: Math.round(result['2xx'] / o.durationS),
      [`${k}_p99_ms`]: result.latency.p99,
      [`${k}_non_2xx`]: failures(result),
    };
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
  }
}

/**
 * Runs the module-alone scenarios named in `keys` (batch100, single, batch100_every_request,
 * single_every_request); figures keyed `module_alone_<scenario>_<figure>`.
 */
export async function moduleAlone(
  keys: readonly string[],
  o: { connections: number; durationS: number; warmupS: number },
): Promise<Record<string, number>> {
  const unknown = keys.filter((k) => !SCENARIOS.some((s) => s.key === k));
  if (unknown.length) throw new Error(`unknown module-alone scenario ${unknown.join(', ')}`);
  if (!keys.length) return {};
  const pgServer = await benchServer();
  try {
    const figures: Record<string, number> = {};
    for (const s of SCENARIOS)
      if (keys.includes(s.key)) Object.assign(figures, await scenario(pgServer, s, o));
    return figures;
  } finally {
    await pgServer.stop();
  }
}

if (require.main === module && process.argv[2] === '--serve') {
  serve().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
