/* eslint-disable no-console -- a benchmark prints its figures */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import readline from 'node:readline';
import autocannon from 'autocannon';
import { DateTime } from 'luxon';
import { parseConfigText, type HeraldConfig } from '../src/config';
import { createPool, kyselyFor } from '../src/db/connect';
import { migrateToLatest } from '../src/db/migrate';
import { createMetrics } from '../src/http/metrics';
import { IncidentService } from '../src/incidents/incident.service';
import type { Severity } from '../src/incidents/incident';
import { ManualClock, systemClock, type Clock } from '../src/common/clock';
import { createLogger } from '../src/common/logger';
import { benchServer, childNodeArgs, serveForBench } from './support';
import { statusPageModule } from '../src/statuspage';

/**
 * Status page throughput: requests/s and p99 for `/` and `/api/v2/summary.json`, beside a bare
 * node:http server answering a fixed string, in the same run, while incidents are being updated.
 * The bare server answers both `ok` and a fixed string as long as each Herald response: the
 * headline ratio compares like with like (with one load generator on a 2-core machine, moving an
 * 8 KB body instead of 2 bytes costs the generator itself about half its rate); the ratio to `ok`
 * is printed too.
 * Herald's web side and the bare server each run in their own child process (their own event
 * loop, as in production); autocannon and the incident writer run in this one. Each update
 * commits through IncidentService here, NOTIFYs, and the web process re-renders in the background
 * while it keeps answering. PostgreSQL is embedded in a temp dir unless DATABASE_URL is set.
 *
 * Logging: the web process logs at `warn` (fastify's per-request info lines are off, as for every
 * Herald benchmark); the Prometheus request metrics hook is on, as in production.
 */
/** Seconds of load per target, split into ROUNDS interleaved slices. */
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 12);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const SLICE_S = Math.max(1, Math.round(DURATION_S / ROUNDS));
type Target = 'bare' | 'bare_page' | 'bare_summary' | 'page' | 'summary';
const TARGETS: readonly Target[] = ['bare', 'bare_page', 'page', 'bare_summary', 'summary'];
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const UPDATES_PER_S = Number(process.env.BENCH_UPDATES_PER_S ?? 4);
const HISTORY = Number(process.env.BENCH_HISTORY_INCIDENTS ?? 300);

const COMPONENTS = ['api', 'checkout', 'website', 'search', 'payments', 'auth', 'cdn', 'email'];
const CONFIG = `
organization: { name: Bench }
services:
${COMPONENTS.map((c) => `  - { id: ${c}, component: ${c} }`).join('\n')}
status_page:
  title: Bench Status
  components:
${COMPONENTS.map((c, i) => `    - { id: ${c}, name: ${c.toUpperCase()} service, group: ${i < 4 ? 'Core' : 'Edge'}, description: The ${c} }`).join('\n')}
`;

function configFor(url: string): HeraldConfig {
  return parseConfigText(
    CONFIG,
    { DATABASE_URL: url, HERALD_PUBLIC_URL: 'https://status.example.com' },
    'bench.yml',
  );
}

/** Child mode: Herald's web side with the status page module only. */
async function serve(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL as string;
  const logger = createLogger('warn');
  const pool = createPool(url, logger, 4);
  const db = kyselyFor(pool);
  const config = configFor(url);
  const incidents = new IncidentService({ db, clock: systemClock });
  const metrics = createMetrics();
  const module = statusPageModule({ config, db, pool, logger, clock: systemClock, incidents, metrics });
  const app = await serveForBench(
    { logger, db, incidents, metrics, routes: [module.routes!], fastPaths: module.fastPaths },
    () => module.start!(undefined),
  );
  process.once('SIGTERM', () => {
    const s = module.cache.stats;
    process.stderr.write(`statuspage cache: ${s.loads} snapshot loads, ${s.renders} renders\n`);
    void module.stop!()
      .then(() => app.close())
      .then(() => db.destroy())
      .then(() => process.exit(0));
  });
}

/**
 * Child mode: the yardstick, a bare node:http server answering a fixed string: `ok` at `/`, and at
 * `/page` and `/summary` a fixed string as long as Herald's answer to the same request (sizes in
 * BENCH_BARE_SIZES), so the load generator handles the same bytes for both and the ratio is
 * Herald's own cost rather than the cost of moving a bigger body.
 */
function bare(): void {
  const [page, summary] = (process.env.BENCH_BARE_SIZES ?? '2,2').split(',').map(Number);
  const bodies = new Map<string, Buffer>([
    ['/', Buffer.from('ok')],
    ['/page', Buffer.alloc(page ?? 2, 'x')],
    ['/summary', Buffer.alloc(summary ?? 2, 'x')],
  ]);
  const server = http.createServer((req, res) => {
    const body = bodies.get(req.url ?? '/') ?? (bodies.get('/') as Buffer);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    process.stdout.write(`READY http://127.0.0.1:${addr && typeof addr === 'object' ? addr.port : 0}\n`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

async function child(
  mode: '--serve' | '--bare',
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [...childNodeArgs(), __filename, mode], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: proc.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => line.startsWith('READY ') && resolve(line.slice(6)));
    proc.once('exit', (code) => reject(new Error(`bench ${mode} exited with ${code}`)));
  });
  return { url, proc };
}

async function stopChild(c: { proc: ChildProcess }): Promise<void> {
  c.proc.kill('SIGTERM');
  await new Promise((resolve) => c.proc.once('exit', resolve));
}

/** 90 days of history (incidents with public updates, resolved) and three open incidents. */
async function seed(
  url: string,
): Promise<{ writer: IncidentService; open: string[]; close(): Promise<void> }> {
  const logger = createLogger('warn');
  const pool = createPool(url, logger, 4);
  const db = kyselyFor(pool);
  await migrateToLatest(db, pool);
  const config = configFor(url);
  const module = statusPageModule({
    config,
    db,
    pool,
    logger,
    clock: systemClock,
    incidents: new IncidentService({ db, clock: systemClock }),
    metrics: createMetrics(),
  });
  const past = new ManualClock(DateTime.utc().minus({ days: 89 }));
  const history = new IncidentService({ db, clock: past as Clock });
  const severities: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
  for (let i = 0; i < HISTORY; i++) {
    past.set(DateTime.utc().minus({ minutes: Math.round(((HISTORY - i) / HISTORY) * 89 * 1440) }));
    const inc = await history.declare(
      {
        title: `Historic incident ${i}`,
        severity: severities[i % severities.length] as Severity,
        services: [COMPONENTS[i % COMPONENTS.length] as string],
      },
      'bench',
    );
    past.advance({ minutes: 7 });
    await history.update(
      inc.ref,
      { message: 'note', publicMessage: `We are investigating issue ${i}.` },
      'bench',
    );
    past.advance({ minutes: 40 });
    await history.resolve(inc.ref, { publicMessage: `Issue ${i} is resolved.` }, 'bench');
  }
  const writer = new IncidentService({ db, clock: systemClock });
  for (const s of module.subscribers ?? []) writer.subscribe(s); // NOTIFY on every change
  const open: string[] = [];
  for (const [i, c] of ['api', 'checkout', 'cdn'].entries()) {
    const inc = await writer.declare(
      { title: `Live incident on ${c}`, severity: severities[i] as Severity, services: [c] },
      'bench',
    );
    open.push(inc.ref);
  }
  return { writer, open, close: () => db.destroy() };
}

/** Every client sends what browsers and fetch() send: compressed responses are welcome. */
async function load(url: string): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: SLICE_S,
    headers: { 'accept-encoding': 'gzip, deflate, br' },
  });
}

/** Runs the three loads in one run; figures keyed `statuspage_<target>_<figure>`. */
export async function run(): Promise<Record<string, number>> {
  const pgServer = await benchServer();
  const dbUrl = new URL(await pgServer.freshDatabase(`herald_bench_statuspage_${process.pid}`));

  const data = await seed(dbUrl.toString());
  const herald = await child('--serve', { BENCH_DATABASE_URL: dbUrl.toString() });
  // What Herald answers a browser (compressed), so the yardstick can answer as many bytes.
  const size = async (path: string) =>
    (await (await fetch(`${herald.url}${path}`, { headers: { 'accept-encoding': 'br' } })).arrayBuffer())
      .byteLength;
  const yardstick = await child('--bare', {
    BENCH_BARE_SIZES: `${await size('/')},${await size('/api/v2/summary.json')}`,
  });
  let updates = 0;
  let writing = true;
  let lastMessage = '';
  const writer = (async () => {
    while (writing) {
      const ref = data.open[updates % data.open.length] as string;
      lastMessage = `Update ${updates}: still working on it.`;
      await data.writer.update(ref, { message: 'internal', publicMessage: lastMessage }, 'bench');
      updates++;
      await new Promise((r) => setTimeout(r, 1000 / UPDATES_PER_S));
    }
  })();
  try {
    await fetch(`${herald.url}/`); // warm: first render
    await fetch(`${herald.url}/api/v2/summary.json`);
    // Interleaved rounds (bare, page, summary, bare, ...): a machine whose load changes during the
    // run affects the three alike. Rates are totals over all rounds; p99 is the median round's.
    const runs: Record<Target, autocannon.Result[]> = {
      bare: [],
      bare_page: [],
      bare_summary: [],
      page: [],
      summary: [],
    };
    const urls: Record<Target, string> = {
      bare: yardstick.url,
      bare_page: `${yardstick.url}/page`,
      bare_summary: `${yardstick.url}/summary`,
      page: `${herald.url}/`,
      summary: `${herald.url}/api/v2/summary.json`,
    };
    const updatesBefore = updates;
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of TARGETS) runs[target].push(await load(urls[target]));
    }
    const updatesDuring = updates - updatesBefore;
    writing = false;
    await writer;
    // the page kept up: after the run it shows the last update
    await new Promise((r) => setTimeout(r, 1500));
    const final = await (
      await fetch(`${herald.url}/`, { headers: { 'accept-encoding': 'identity' } })
    ).text();
    if (!final.includes(lastMessage))
      throw new Error(`the page does not show the last update ("${lastMessage}")`);
    const rps = (t: Target) =>
      Math.round(runs[t].reduce((a, r) => a + r.requests.total, 0) / (ROUNDS * SLICE_S));
    const p99 = (t: Target) => {
      const sorted = runs[t].map((r) => r.latency.p99).sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)] ?? 0;
    };
    const bad = (t: Target) => runs[t].reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0);
    const sent = (t: Target) =>
      Math.round(
        runs[t].reduce((a, r) => a + r.throughput.total, 0) /
          Math.max(
            1,
            runs[t].reduce((a, r) => a + r.requests.total, 0),
          ),
      );
    const ratio = (t: Target, of: Target) => Number((rps(t) / rps(of)).toFixed(2));
    return {
      statuspage_bare_rps: rps('bare'),
      statuspage_bare_p99_ms: p99('bare'),
      statuspage_bare_page_rps: rps('bare_page'),
      statuspage_bare_page_p99_ms: p99('bare_page'),
      statuspage_bare_summary_rps: rps('bare_summary'),
      statuspage_bare_summary_p99_ms: p99('bare_summary'),
      statuspage_page_rps: rps('page'),
      statuspage_page_p99_ms: p99('page'),
      statuspage_page_ratio: ratio('page', 'bare_page'),
      statuspage_page_ratio_to_ok: ratio('page', 'bare'),
      statuspage_page_bytes: Buffer.byteLength(final),
      statuspage_page_bytes_sent: sent('page'),
      statuspage_page_errors: bad('page'),
      statuspage_summary_rps: rps('summary'),
      statuspage_summary_p99_ms: p99('summary'),
      statuspage_summary_ratio: ratio('summary', 'bare_summary'),
      statuspage_summary_ratio_to_ok: ratio('summary', 'bare'),
      statuspage_summary_bytes_sent: sent('summary'),
      statuspage_summary_errors: bad('summary'),
      statuspage_incident_updates_during_load: updatesDuring,
    };
  } finally {
    writing = false;
    await writer.catch(() => undefined);
    await stopChild(herald);
    await stopChild(yardstick);
    await data.close();
    await pgServer.stop();
  }
}

if (require.main === module) {
  const mode = process.argv[2];
  const main =
    mode === '--serve' ? serve() : mode === '--bare' ? Promise.resolve(bare()) : run().then(report);
  main.catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

function report(f: Record<string, number>): void {
  console.table(f);
  const verdict = (ratio: number, toOk: number, p99: number) =>
    `${ratio} of the same-size bare answer (${ratio >= 0.5 ? 'ok' : 'BELOW'} target >= 0.5; ${toOk} of a bare "ok"), ` +
    `p99 ${p99} ms (${p99 <= 10 ? 'ok' : 'ABOVE'} target <= 10 ms)`;
  console.log(
    `/                     ${f.statuspage_page_rps} req/s: ${verdict(f.statuspage_page_ratio ?? 0, f.statuspage_page_ratio_to_ok ?? 0, f.statuspage_page_p99_ms ?? 0)}`,
  );
  console.log(
    `/api/v2/summary.json  ${f.statuspage_summary_rps} req/s: ${verdict(f.statuspage_summary_ratio ?? 0, f.statuspage_summary_ratio_to_ok ?? 0, f.statuspage_summary_p99_ms ?? 0)}`,
  );
}
