/* eslint-disable no-console -- a benchmark prints its figures */
import { sql } from 'kysely';
import type autocannon from 'autocannon';
import { alertmanagerInstalled, alertmanagerVersion, startAlertmanager } from './alertmanager';
import { alertLoad, alertServicesConfig, failures, type Target } from './alerts';
import { moduleAlone } from './ingest-module';
import { startProduct, type Product } from './product';
import { round, runAlone, sampleRss } from './support';

/**
 * Alert ingestion of the product beside Alertmanager, on the same machine in the same run:
 * `herald start` as users run it (web + worker + every module, embedded PostgreSQL, a herald.yml
 * of 50 services with status page components and one Alertmanager integration) and a real
 * Alertmanager 0.25 (`POST /api/v2/alerts`). The same autocannon generator sends both the same
 * fresh alerts spread over 50 groups, (a) 100 per request and (b) one per request, over
 * BENCH_CONNECTIONS (50) connections for BENCH_DURATION_S (10) after BENCH_WARMUP_S (3) unmeasured.
 * Each load gets a fresh Herald (new data directory) and a fresh Alertmanager.
 *
 * Herald's figures count only what it answered 2xx, and every such alert is checked to be in
 * `ingest_alerts` afterwards. Its peak RSS is its own process's (PostgreSQL's are separate),
 * sampled during the measured load. The old module-alone figures come as `module_alone_*` rows
 * (BENCH_MODULE_ALONE: scenarios to run, default `batch100,single`; `none` for none). BENCH_LOADS
 * picks the product loads (default `batch100,single`).
 */
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const LOADS = [
  { key: 'batch100', alertsPerRequest: 100 },
  { key: 'single', alertsPerRequest: 1 },
].filter((l) => (process.env.BENCH_LOADS ?? 'batch100,single').split(',').includes(l.key));

interface Measured {
  result: autocannon.Result;
  /** Requests answered 2xx during the warm-up. */
  warm2xx: number;
  alertsPerRequest: number;
  peakRssMb: number;
}

async function measure(
  target: Target,
  url: string,
  pid: number,
  alertsPerRequest: number,
): Promise<Measured> {
  const counter = { n: 0 };
  const load = { target, url, alertsPerRequest, connections: CONNECTIONS, counter };
  // Warm-up (not measured): Herald declares the 50 incidents and storm coalescing starts, as it
  // would minutes into a real storm; both JIT-compile their paths.
  const warm = WARMUP_S > 0 ? await alertLoad({ ...load, durationS: WARMUP_S }) : undefined;
  const rss = sampleRss(pid);
  const result = await alertLoad({ ...load, durationS: DURATION_S });
  const peakRssMb = rss.stop();
  return { result, warm2xx: warm?.['2xx'] ?? 0, alertsPerRequest, peakRssMb };
}

/** Every alert Herald answered 2xx for is stored (in-flight ones at the stop may be stored too). */
async function checkStored(product: Product, m: Measured): Promise<void> {
  const stored = Number(
    (await sql<{ n: number }>`select count(*)::int as n from ingest_alerts`.execute(product.db)).rows[0]?.n,
  );
  const answered = (m.result['2xx'] + m.warm2xx) * m.alertsPerRequest;
  if (stored < answered || stored > answered + 2 * CONNECTIONS * m.alertsPerRequest)
    throw new Error(`herald: ${answered} alerts answered 2xx but ${stored} stored`);
}

function figures(prefix: string, m: Measured): Record<string, number> {
  const ok = m.result['2xx'];
  return {
    [`${prefix}_alerts_per_s`]: Math.round((ok * m.alertsPerRequest) / DURATION_S),
    [`${prefix}_requests_per_s`]: Math.round(ok / DURATION_S),
    [`${prefix}_p50_ms`]: m.result.latency.p50,
    [`${prefix}_p99_ms`]: m.result.latency.p99,
    [`${prefix}_non_2xx`]: failures(m.result),
    [`${prefix}_peak_rss_mb`]: m.peakRssMb,
  };
}

async function herald(alertsPerRequest: number): Promise<Measured> {
  const product = await startProduct(alertServicesConfig());
  try {
    const m = await measure('herald', product.url, product.pid, alertsPerRequest);
    await checkStored(product, m);
    return m;
  } finally {
    await product.stop();
  }
}

async function alertmanager(alertsPerRequest: number): Promise<Measured> {
  const am = await startAlertmanager();
  try {
    return await measure('alertmanager', am.url, am.child.pid!, alertsPerRequest);
  } finally {
    await am.stop();
  }
}

/** Figures keyed `herald_<load>_*`, `alertmanager_<load>_*`, `<load>_herald_vs_alertmanager`. */
export async function run(): Promise<Record<string, number>> {
  const withAm = alertmanagerInstalled();
  if (withAm) console.log(`peer: ${alertmanagerVersion()}`);
  const out: Record<string, number> = { connections: CONNECTIONS, duration_s: DURATION_S };
  for (const l of LOADS) {
    const h = figures(`herald_${l.key}`, await herald(l.alertsPerRequest));
    Object.assign(out, h);
    if (!withAm) continue;
    const a = figures(`alertmanager_${l.key}`, await alertmanager(l.alertsPerRequest));
    Object.assign(out, a);
    const ha = h[`herald_${l.key}_alerts_per_s`]!;
    const aa = a[`alertmanager_${l.key}_alerts_per_s`]!;
    out[`${l.key}_herald_vs_alertmanager`] = round(ha / Math.max(1, aa), 2);
    console.log(`${l.key}: herald ${ha} alerts/s, alertmanager ${aa} alerts/s, ratio ${round(ha / aa, 2)}`);
  }
  const alone = (process.env.BENCH_MODULE_ALONE ?? 'batch100,single')
    .split(',')
    .filter((k) => k && k !== 'none');
  Object.assign(
    out,
    await moduleAlone(alone, { connections: CONNECTIONS, durationS: DURATION_S, warmupS: WARMUP_S }),
  );
  return out;
}

if (require.main === module) runAlone(run);
