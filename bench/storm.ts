/* eslint-disable no-console -- a benchmark prints its figures */
import autocannon from 'autocannon';
import { alertLoad, alertServicesConfig, failures, services, startAlertLoad } from './alerts';
import { latencies, pagingConfig, providerEnv, waitUntil } from './notifications';
import { declareOverApi, settled, startProduct, type Product } from './product';
import { startBenchProviders } from './providers';
import { percentile, round, runAlone, sampleRss } from './support';

/**
 * Pages during an alert storm, in `herald start` as users run it (bench/product.ts): does a storm
 * of alerts delay the pages people wait for, or break the status page?
 *
 * One product, its herald.yml the ingest benchmark's (50 services with status page components, an
 * Alertmanager integration) plus the notifications benchmark's paging (20 people × 4 channels and
 * 20 PagerDuty services: 100 deliveries per incident to stand-ins answering in 50 ms) for
 * critical incidents only; the storm's alerts are warnings, so they make incidents but no pages.
 *
 * 1. Calibration (also the warm-up: the 50 alert groups' incidents are declared): single alerts
 *    as fast as the product answers, BENCH_WARMUP_S (3) seconds; the storm rate is 80 % of that,
 *    or BENCH_STORM_RATE requests/s.
 * 2. Quiet (once the worker has no job due, after the calibration): 50 critical incidents declared over the API, one every BENCH_PAGE_EVERY_MS (200), each
 *    paging 100 deliveries, while autocannon asks the status page `/` BENCH_STATUS_RATE (50) times
 *    a second; page latency is declaration commit → its last delivery recorded sent (database
 *    timestamps), p50/p99; status page p99.
 * 3. Storm: the same with single alerts (a fresh alert each, 50 groups, 50 connections) sent at
 *    the storm rate from a second before the first declaration until the last delivery; 5xx
 *    answers to the storm counted (a 429 is backpressure, counted apart).
 * 4. Quiet again, the same as 2: the storm is compared with the better of the two quiet phases,
 *    and a large gap between them says the machine drifted during the run.
 */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const CALIBRATE_S = Number(process.env.BENCH_WARMUP_S ?? 3);
const INCIDENTS = 50;
const PAGE_EVERY_MS = Number(process.env.BENCH_PAGE_EVERY_MS ?? 200);
const STATUS_RATE = Number(process.env.BENCH_STATUS_RATE ?? 50);
const LEAD_MS = 1_000;
const CONCURRENCY = process.env.HERALD_WORKER_CONCURRENCY ?? '32';

interface Phase {
  pageP50: number;
  pageP99: number;
  statusPage: autocannon.Result;
}

const maxIncidentId = async (p: Product): Promise<number> =>
  Number(
    (
      await p.db
        .selectFrom('incidents')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirstOrThrow()
    ).id ?? 0,
  );

/**
 * Declares the 50 critical incidents at the pace, waits for their 5,000 deliveries, times them;
 * the status page is asked at its fixed rate meanwhile. Incidents after `since` are this phase's.
 */
async function pages(p: Product, since: number, label: string): Promise<Phase> {
  let stopStatus = (): void => undefined;
  const statusDone = new Promise<autocannon.Result>((resolve, reject) => {
    const inst = autocannon(
      { url: `${p.url}/`, connections: 10, overallRate: STATUS_RATE, duration: 3_600 },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
    stopStatus = () => inst.stop();
  });
  const declared: Promise<string>[] = [];
  for (let i = 0; i < INCIDENTS; i++) {
    declared.push(
      declareOverApi(p, { title: `${label} page ${i}`, severity: 'critical', services: [services[i]!] }),
    );
    await new Promise((r) => setTimeout(r, PAGE_EVERY_MS));
  }
  await Promise.all(declared);
  await waitUntil(p.db, INCIDENTS * 100, since);
  stopStatus();
  const statusPage = await statusDone;
  const l = await latencies(p.db, since);
  // Only the declared incidents page (the storm's are warnings): 50 of them, 100 deliveries each.
  if (l.per.length !== INCIDENTS || l.total !== INCIDENTS * 100)
    throw new Error(`${label}: ${l.per.length} incidents with ${l.total} deliveries, expected 50 × 100`);
  return { pageP50: round(percentile(l.per, 50)), pageP99: round(percentile(l.per, 99)), statusPage };
}

export async function run(): Promise<Record<string, number>> {
  const providers = await startBenchProviders(50);
  let product: Product | undefined;
  try {
    product = await startProduct(
      `${alertServicesConfig()}\n${pagingConfig(providers, '{ severity: [critical] }')}`,
      {
        HERALD_WORKER_CONCURRENCY: CONCURRENCY,
        ...providerEnv(providers),
      },
    );
    const p = product;
    const counter = { n: 0 };
    const single = {
      target: 'herald',
      url: p.url,
      alertsPerRequest: 1,
      connections: CONNECTIONS,
      counter,
    } as const;

    // Warm-up of the paging path too: one critical incident, its 100 deliveries.
    await declareOverApi(p, { title: 'warm-up', severity: 'critical', services: [services[0]!] });
    await waitUntil(p.db, 100, 0);
    const calibration = await alertLoad({ ...single, durationS: CALIBRATE_S });
    const sustained = calibration['2xx'] / CALIBRATE_S;
    const rate = Math.max(1, Math.round(Number(process.env.BENCH_STORM_RATE ?? 0.8 * sustained)));
    await settled(p); // the calibration's aftermath is not the quiet phase's
    const quiet = await pages(p, await maxIncidentId(p), 'quiet');
    await settled(p);

    const rss = sampleRss(p.pid);
    const storm = startAlertLoad({ ...single, durationS: 3_600, overallRate: rate });
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, LEAD_MS));
    const loud = await pages(p, await maxIncidentId(p), 'storm');
    storm.instance.stop();
    const stormResult = await storm.done;
    const stormS = (Date.now() - t0) / 1000;
    const peakRss = rss.stop();
    await settled(p);
    // Quiet again: if it differs much from the first, the machine (or Herald) drifted meanwhile.
    const after = await pages(p, await maxIncidentId(p), 'quiet-after');
    console.log(
      `pages p99: quiet ${quiet.pageP99} ms, storm ${loud.pageP99} ms, quiet after ${after.pageP99} ms (storm ${rate} req/s asked, ${round(stormResult['2xx'] / stormS, 0)}/s answered 2xx)`,
    );
    return {
      calibration_single_requests_per_s: Math.round(sustained),
      storm_rate_asked_per_s: rate,
      storm_answered_2xx_per_s: round(stormResult['2xx'] / stormS, 0),
      storm_5xx: stormResult['5xx'],
      storm_429: stormResult.statusCodeStats?.['429']?.count ?? 0,
      storm_failures:
        failures(stormResult) - stormResult['5xx'] - (stormResult.statusCodeStats?.['429']?.count ?? 0),
      storm_alert_p99_ms: stormResult.latency.p99,
      quiet_page_p50_ms: quiet.pageP50,
      quiet_page_p99_ms: quiet.pageP99,
      storm_page_p50_ms: loud.pageP50,
      storm_page_p99_ms: loud.pageP99,
      quiet_after_page_p99_ms: after.pageP99,
      storm_vs_quiet_page_p99: round(loud.pageP99 / Math.max(1, Math.min(quiet.pageP99, after.pageP99)), 2),
      quiet_status_page_p99_ms: quiet.statusPage.latency.p99,
      quiet_after_status_page_p99_ms: after.statusPage.latency.p99,
      storm_status_page_p99_ms: loud.statusPage.latency.p99,
      storm_status_page_non_2xx: failures(loud.statusPage),
      storm_peak_rss_mb: peakRss,
    };
  } finally {
    await product?.stop();
    await providers.stop();
  }
}

if (require.main === module) runAlone(run);
