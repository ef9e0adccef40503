/* eslint-disable no-console -- a benchmark prints its figures */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/db/schema';
import { runBareClient } from './bare-client';
import { declareOverApi, startProduct, type Product } from './product';
import { startBenchProviders, type BenchProviders } from './providers';
import { percentile, round, runAlone, sampleRss } from './support';

/**
 * Declaration → every first-level delivery accepted, through the whole engine: the real
 * composition root (incident transaction → deliveries + jobs → graphile-worker → adapters with
 * the real AWS, Twilio and axios clients → attempt recorded), against provider stand-ins on
 * 127.0.0.1 that answer after 50 ms.
 *
 * Each incident fans out to 20 recipients × 5 channels = 100 deliveries: 20 people on email
 * (SES), SMS (Twilio) and SMS through SNS, 20 signed webhooks and 20 PagerDuty services (a rule
 * each, with its own routing key). Slack is left out on purpose: Slack's real limit of about one
 * message per second per conversation (which Herald honours) would dominate any figure.
 *
 * - `latency`: 200 incidents one after another (each waits for the previous to finish): declare
 *   commit → the last of its 100 deliveries recorded as sent, p50/p99.
 * - `burst`: 200 incidents declared at once (20 at a time): sustained deliveries per second from
 *   the first declaration to the last delivery recorded, and the same latency under that load.
 * - the product as users run it: `herald start` in a process of its own (bench/product.ts), the
 *   incidents declared through its API; peak RSS is that process's.
 * - the yardstick (bench/bare-client.ts): a bare keep-alive HTTP client sending as many requests
 *   as the burst's deliveries to the same stand-ins over as many connections as Herald held open
 *   to them during the burst (BENCH_BARE_CONNECTIONS to choose), Herald stopped meanwhile;
 *   `burst_vs_bare_client` is Herald's deliveries/s over its requests/s (target ≥ 0.6).
 */
const PROVIDER_LATENCY_MS = 50;
const RECIPIENTS = 20;
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 200);
const CONCURRENCY = process.env.HERALD_WORKER_CONCURRENCY ?? '32';

/** herald.yml: one service and the paging sections below. */
export function config(p: BenchProviders): string {
  return `
services: [{ id: checkout }]
${pagingConfig(p)}`;
}

/**
 * herald.yml's people, webhooks, rules and delivery sections: 100 deliveries per incident to the
 * stand-ins, for the incidents `when` matches (a rule's `when`, YAML flow; default every event).
 */
export function pagingConfig(p: BenchProviders, when?: string): string {
  const ids = Array.from({ length: RECIPIENTS }, (_, i) => String(i + 1).padStart(2, '0'));
  const w = when ? `, when: ${when}` : '';
  return `people:
${ids.map((i) => `  - { id: p${i}, name: Person ${i}, email: p${i}@example.com, phone: '+155555501${i}', contact_order: [sms, email] }`).join('\n')}
webhooks:
${ids.map((i) => `  - { id: wh${i}, url: '${p.urls.webhook}/hook/${i}', secret: 'whsec_${Buffer.from(`bench-secret-${i}-0123456789abcdef`).toString('base64')}' }`).join('\n')}
rules:
  - name: page-everyone${when ? `\n    when: ${when}` : ''}
    notify:
      people: [${ids.map((i) => `p${i}`).join(', ')}]
      channels: [email, sms, sns_sms, webhook]
      webhooks: [${ids.map((i) => `wh${i}`).join(', ')}]
${ids.map((i) => `  - { name: pd-${i}${w}, notify: { channels: [pagerduty], pagerduty_routing_key: 'R0UTINGKEY${i}00000000000000000000' } }`).join('\n')}
delivery:
  ses_rate_per_second: 1000
`;
}

/** What Herald needs to reach the stand-ins with the real SDK clients. */
export function providerEnv(providers: BenchProviders): Record<string, string> {
  return {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    SES_FROM: 'herald@example.com',
    AWS_ENDPOINT_URL_SES: providers.urls.ses,
    AWS_ENDPOINT_URL_SNS: providers.urls.sns,
    TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
    TWILIO_AUTH_TOKEN: 'bench-token',
    TWILIO_FROM: '+15555550000',
    TWILIO_API_URL: providers.urls.twilio,
    PAGERDUTY_EVENTS_URL: `${providers.urls.pagerduty}/v2/enqueue`,
  };
}

/**
 * Waits until `expected` deliveries of incidents after `since` are sent (call it once they are
 * declared). While any is still on its way it asks only the partial index of unsent deliveries,
 * which is small: counting every row each time (6-7 ms of PostgreSQL per poll near the end of a
 * burst) took a third of a core from the system under test. Figures come from the database's
 * timestamps, not from when this loop notices, so polling faster would only take CPU from Herald.
 */
export async function waitUntil(db: Kysely<Database>, expected: number, since: number): Promise<void> {
  const deadline = Date.now() + Number(process.env.BENCH_WAIT_MS ?? 300_000);
  for (;;) {
    const unsent = await sql<{ busy: boolean }>`select exists (select 1 from deliveries
      where status in ('pending', 'held', 'sending') and incident_id > ${since}) as busy`.execute(db);
    if (!unsent.rows[0]?.busy) {
      const sent = await sql<{ n: number }>`select count(*)::int as n from deliveries
        where status = 'sent' and incident_id > ${since}`.execute(db);
      if ((sent.rows[0]?.n ?? 0) >= expected) return;
    }
    if (Date.now() > deadline) {
      const by = await sql<{ channel: string; status: string; n: number; reason: string | null }>`
        select channel, status, count(*)::int as n, min(reason) as reason from deliveries group by 1, 2`.execute(
        db,
      );
      throw new Error(`${expected} deliveries expected sent, not there in time: ${JSON.stringify(by.rows)}`);
    }
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** Per incident: declaration commit → last delivery recorded sent, in ms (database timestamps). */
export async function latencies(
  db: Kysely<Database>,
  since: number,
): Promise<{ per: number[]; spanMs: number; total: number }> {
  const rows = await sql<{ ms: number; created: Date; last: Date; n: number }>`
    select extract(epoch from max(d.sent_at) - i.created_at) * 1000 as ms, i.created_at as created, max(d.sent_at) as last, count(*)::int as n
    from incidents i join deliveries d on d.incident_id = i.id
    where i.id > ${since} group by i.id, i.created_at`.execute(db);
  const first = Math.min(...rows.rows.map((r) => r.created.getTime()));
  const last = Math.max(...rows.rows.map((r) => r.last.getTime()));
  return {
    per: rows.rows.map((r) => Number(r.ms)),
    spanMs: last - first,
    total: rows.rows.reduce((a, r) => a + r.n, 0),
  };
}

export async function run(): Promise<Record<string, number>> {
  const providers = await startBenchProviders(PROVIDER_LATENCY_MS);
  let product: Product | undefined;
  try {
    product = await startProduct(config(providers), {
      HERALD_WORKER_CONCURRENCY: CONCURRENCY,
      ...providerEnv(providers),
    });
    const p = product;
    const rss = sampleRss(p.pid);
    const declare = (i: number) =>
      declareOverApi(p, { title: `Bench ${i}`, severity: 'critical', services: ['checkout'] });

    // Warm-up: connections, JIT, SDK clients.
    await declare(0);
    await waitUntil(p.db, 100, 0);

    let since = 1;
    for (let i = 0; i < INCIDENTS; i++) {
      await declare(i);
      await waitUntil(p.db, (i + 1) * 100, since);
    }
    const seq = await latencies(p.db, since);

    since += INCIDENTS;
    await providers.use(); // the peaks start again: the burst's own
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < INCIDENTS) await declare(next++);
      }),
    );
    await waitUntil(p.db, INCIDENTS * 100, since);
    const wallMs = Date.now() - t0;
    const use = await providers.use();
    const burst = await latencies(p.db, since);
    const attempts = await sql<{ outcome: string; error: string | null; n: number }>`
      select outcome, min(error) as error, count(*)::int as n from delivery_attempts group by 1`.execute(
      p.db,
    );
    const failed = await sql<{
      n: number;
    }>`select count(*)::int as n from deliveries where status <> 'sent'`.execute(p.db);
    const peakRss = rss.stop();
    const providerRequests = Object.values(await providers.counts()).reduce((a, b) => a + b, 0);
    await p.stop(); // the yardstick runs alone, as Herald did
    product = undefined;

    const perS = round((burst.total / burst.spanMs) * 1000, 0);
    const connections = Number(process.env.BENCH_BARE_CONNECTIONS ?? use.peakOpen);
    // At least 10,000 requests, so that a short burst (BENCH_INCIDENTS) still times a steady state.
    const bareRequests = Number(process.env.BENCH_BARE_REQUESTS ?? Math.max(burst.total, 10_000));
    const bare = await runBareClient(Object.values(providers.urls), connections, bareRequests);
    if (bare.errors) throw new Error(`bare client: ${bare.errors} of ${bare.requests} requests failed`);
    console.log(
      `burst: herald ${perS} deliveries/s, bare client ${bare.requestsPerS} req/s over ${connections} connections, ratio ${round(perS / bare.requestsPerS, 2)}`,
    );
    return {
      incidents: INCIDENTS,
      deliveries_per_incident: 100,
      worker_concurrency: Number(CONCURRENCY),
      provider_latency_ms: PROVIDER_LATENCY_MS,
      latency_p50_ms: round(percentile(seq.per, 50)),
      latency_p99_ms: round(percentile(seq.per, 99)),
      burst_deliveries: burst.total,
      burst_deliveries_per_s: perS,
      burst_wall_s: round(wallMs / 1000, 2),
      burst_latency_p50_ms: round(percentile(burst.per, 50)),
      burst_latency_p99_ms: round(percentile(burst.per, 99)),
      burst_provider_connections: use.peakOpen,
      burst_provider_peak_in_flight: use.peakInFlight,
      not_sent: failed.rows[0]?.n ?? -1,
      attempts_failed: attempts.rows.filter((a) => a.outcome !== 'sent').reduce((a, r) => a + r.n, 0),
      provider_requests: providerRequests,
      peak_rss_mb: peakRss,
      bare_client_connections: connections,
      bare_client_requests_per_s: bare.requestsPerS,
      burst_vs_bare_client: round(perS / bare.requestsPerS, 2),
    };
  } finally {
    await product?.stop();
    await providers.stop();
  }
}

if (require.main === module) runAlone(run);
