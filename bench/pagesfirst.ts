import { fork, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { parseConfigText } from '../src/config';
import { runHerald, type RunningHerald } from '../src/main';
import { createLogger } from '../src/common/logger';
import { providerEnv } from './notifications';
import { startBenchProviders } from './providers';
import { benchServer, childNodeArgs, percentile, round, runAlone } from './support';

/**
 * "Pages first": how long a critical page's email takes (declaration committed → SES accepted,
 * from the database's timestamps) when Herald is quiet, during a flood of 1,000 `POST /subscribe`
 * (each planning a confirmation email on the same SES rate limit, 14/s, as in production), and
 * during a flood of `/metrics` scrapes on 200 connections. Herald runs here as `npm start` does
 * (web and worker in one process), the provider stand-ins answer in 50 ms from a process of their
 * own, and each flood comes from a child process, so the load generator does not share Herald's
 * event loop. The subscribe limits are raised for the run: the flood stands for many clients,
 * which per-client limits would not stop. Target: each flood's figures within 2× of quiet.
 */
const PROVIDER_LATENCY_MS = 50;
const SAMPLES = Number(process.env.BENCH_PAGES ?? 20);
const SUBSCRIBES = Number(process.env.BENCH_SUBSCRIBES ?? 1000);
const METRICS_CONNECTIONS = 200;
const TOKEN = 'bench-pagesfirst-token-0123456789';

const yaml = `
services: [{ id: checkout }]
people:
  - { id: oncall, name: On Call, email: oncall@example.com, audience: technical, contact_order: [email] }
rules:
  - name: page-oncall
    when: { severity_at_least: high, events: [declared] }
    notify: { people: [oncall], channels: [email] }
delivery: { ses_rate_per_second: 14 }
status_page:
  subscribe_limits: { per_client_per_minute: 100000, global_per_minute: 1000000 }
`;

/** Declares critical incidents one after another; each: commit → its page email sent, in ms. */
async function pages(h: RunningHerald, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const inc = await h.incidents.declare(
      { title: `Page ${i}`, severity: 'critical', services: ['checkout'] },
      'bench',
    );
    const id = Number(inc.ref.slice(4));
    for (;;) {
      const r = await sql<{ ms: number | null }>`
        select extract(epoch from d.sent_at - i.created_at) * 1000 as ms
        from deliveries d join incidents i on i.id = d.incident_id
        where d.incident_id = ${id} and d.channel = 'email' and d.status = 'sent'`.execute(h.connection.db);
      const ms = r.rows[0]?.ms;
      if (ms !== undefined && ms !== null) {
        out.push(Number(ms));
        break;
      }
      await new Promise((res) => setTimeout(res, 5));
    }
  }
  return out;
}

/** A flood from a child process: `started` once its load is on, `done` with its report at the end. */
function flood(
  kind: 'subscribe' | 'metrics',
  url: string,
): { child: ChildProcess; started: Promise<void>; done: Promise<Report> } {
  const child = fork(__filename, ['--flood', kind, url], { execArgv: childNodeArgs() });
  let started!: () => void;
  let done!: (r: Report) => void;
  const result = {
    child,
    started: new Promise<void>((resolve) => (started = resolve)),
    done: new Promise<Report>((resolve, reject) => {
      done = resolve;
      child.once('exit', (code) => reject(new Error(`${kind} flood exited with ${code} before its report`)));
    }),
  };
  child.on('message', (m) => (m === 'started' ? started() : done(m as Report)));
  return result;
}

interface Report {
  requests: number;
  ok: number;
  seconds: number;
}

const stats = (label: string, values: number[], quiet?: number[]): Record<string, number> => {
  const out: Record<string, number> = {
    [`${label}_p50_ms`]: round(percentile(values, 50)),
    [`${label}_p99_ms`]: round(percentile(values, 99)),
    [`${label}_max_ms`]: round(Math.max(...values)),
  };
  if (quiet) {
    out[`${label}_p50_ratio`] = round(percentile(values, 50) / percentile(quiet, 50), 2);
    out[`${label}_p99_ratio`] = round(percentile(values, 99) / percentile(quiet, 99), 2);
  }
  return out;
};

export async function run(): Promise<Record<string, number>> {
  const server = await benchServer();
  const providers = await startBenchProviders(PROVIDER_LATENCY_MS);
  process.env.AWS_ACCESS_KEY_ID ??= 'AKIDBENCH';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench-secret';
  let herald: RunningHerald | undefined;
  try {
    const env: NodeJS.ProcessEnv = {
      PORT: '0',
      DATABASE_URL: await server.freshDatabase('herald_bench_pagesfirst'),
      HERALD_API_TOKEN: TOKEN,
      HERALD_WORKER_CONCURRENCY: process.env.HERALD_WORKER_CONCURRENCY ?? '32',
      ...providerEnv(providers),
    };
    herald = await runHerald({
      mode: 'start',
      config: parseConfigText(yaml, env, 'bench.yml'),
      logger: createLogger('warn'),
    });
    const h = herald;
    const url = h.url ?? '';
    await pages(h, 5); // warm-up: connections, JIT, SDK clients

    const quiet = await pages(h, SAMPLES);

    // /metrics first: the subscribe flood leaves a backlog of confirmations for a minute or more.
    const scrapes = flood('metrics', url);
    await scrapes.started;
    const underScrapes = await pages(h, SAMPLES);
    scrapes.child.send('stop');
    const scraped = await scrapes.done;

    const subs = flood('subscribe', url);
    await subs.started; // the first 100 subscriptions are in
    const underSubscribes = await pages(h, SAMPLES);
    const subscribed = await subs.done;
    const backlog = await sql<{ n: number }>`select count(*)::int as n from deliveries
      where recipient_kind = 'email_address' and status = 'pending'`.execute(h.connection.db);

    return {
      samples: SAMPLES,
      ses_rate_per_second: 14,
      ...stats('quiet', quiet),
      ...stats('metrics_flood', underScrapes, quiet),
      metrics_flood_requests_per_s: round(scraped.requests / scraped.seconds, 0),
      metrics_flood_non_2xx: scraped.requests - scraped.ok,
      ...stats('subscribe_flood', underSubscribes, quiet),
      subscribe_flood_requests: subscribed.requests,
      subscribe_flood_202: subscribed.ok,
      subscribe_flood_seconds: round(subscribed.seconds, 1),
      confirmations_still_queued_at_end: backlog.rows[0]?.n ?? -1,
    };
  } finally {
    await herald?.stop();
    await providers.stop();
    await server.stop();
  }
}

/** The child: floods `url` and reports to the parent ('started' message, then the Report). */
async function floodChild(kind: string, url: string): Promise<void> {
  const send = (m: unknown) => process.send?.(m);
  const t0 = performance.now();
  if (kind === 'metrics') {
    let finish!: (r: autocannon.Result) => void;
    const finished = new Promise<autocannon.Result>((resolve) => (finish = resolve));
    const instance = autocannon(
      {
        url: `${url}/metrics`,
        connections: METRICS_CONNECTIONS,
        duration: 3600,
        headers: { authorization: `Bearer ${TOKEN}` },
      },
      (err, result) => {
        if (err) throw err;
        finish(result);
      },
    );
    instance.once('response', () => send('started'));
    process.once('message', () => instance.stop());
    const result = await finished;
    send({ requests: result.requests.total, ok: result['2xx'], seconds: (performance.now() - t0) / 1000 });
    return;
  }
  let next = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < SUBSCRIBES) {
        const n = next++;
        const res = await fetch(`${url}/subscribe`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          // One inbox each: the flood stands for many people, not one inbox (capped at 3 a day).
          body: JSON.stringify({ email: `fan${n}@example.org` }),
        });
        await res.arrayBuffer();
        if (res.status === 202) ok++;
        if (n === 100) send('started');
      }
    }),
  );
  send({ requests: SUBSCRIBES, ok, seconds: (performance.now() - t0) / 1000 });
}

if (require.main === module) {
  const i = process.argv.indexOf('--flood');
  if (i >= 0) {
    floodChild(process.argv[i + 1] ?? '', process.argv[i + 2] ?? '').then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err); // eslint-disable-line no-console -- the child's failure, for the parent's output
        process.exit(1);
      },
    );
  } else runAlone(run);
}
