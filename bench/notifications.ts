import { sql } from 'kysely';
import { parseConfigText } from '../src/config';
import { runHerald, type RunningHerald } from '../src/main';
import { createLogger } from '../src/common/logger';
import { startBenchProviders, type BenchProviders } from './providers';
import { benchServer, percentile, round, runAlone } from './support';

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
 * - peak RSS of this process (Herald, its worker and the stand-ins all run in it).
 */
const PROVIDER_LATENCY_MS = 50;
const RECIPIENTS = 20;
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 200);
const CONCURRENCY = process.env.HERALD_WORKER_CONCURRENCY ?? '32';

export function config(p: BenchProviders): string {
  const ids = Array.from({ length: RECIPIENTS }, (_, i) => String(i + 1).padStart(2, '0'));
  return `
services: [{ id: checkout }]
people:
${ids.map((i) => `  - { id: p${i}, name: Person ${i}, email: p${i}@example.com, phone: '+155555501${i}', contact_order: [sms, email] }`).join('\n')}
webhooks:
${ids.map((i) => `  - { id: wh${i}, url: '${p.urls.webhook}/hook/${i}', secret: 'whsec_${Buffer.from(`bench-secret-${i}-0123456789abcdef`).toString('base64')}' }`).join('\n')}
rules:
  - name: page-everyone
    notify:
      people: [${ids.map((i) => `p${i}`).join(', ')}]
      channels: [email, sms, sns_sms, webhook]
      webhooks: [${ids.map((i) => `wh${i}`).join(', ')}]
${ids.map((i) => `  - { name: pd-${i}, notify: { channels: [pagerduty], pagerduty_routing_key: 'R0UTINGKEY${i}00000000000000000000' } }`).join('\n')}
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
export async function waitUntil(herald: RunningHerald, expected: number, since: number): Promise<void> {
  const db = herald.connection.db;
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
  herald: RunningHerald,
  since: number,
): Promise<{ per: number[]; spanMs: number; total: number }> {
  const rows = await sql<{ ms: number; created: Date; last: Date; n: number }>`
    select extract(epoch from max(d.sent_at) - i.created_at) * 1000 as ms, i.created_at as created, max(d.sent_at) as last, count(*)::int as n
    from incidents i join deliveries d on d.incident_id = i.id
    where i.id > ${since} group by i.id, i.created_at`.execute(herald.connection.db);
  const first = Math.min(...rows.rows.map((r) => r.created.getTime()));
  const last = Math.max(...rows.rows.map((r) => r.last.getTime()));
  return {
    per: rows.rows.map((r) => Number(r.ms)),
    spanMs: last - first,
    total: rows.rows.reduce((a, r) => a + r.n, 0),
  };
}

export async function run(): Promise<Record<string, number>> {
  const server = await benchServer();
  const providers = await startBenchProviders(PROVIDER_LATENCY_MS);
  process.env.AWS_ACCESS_KEY_ID ??= 'AKIDBENCH';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench-secret';
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  let herald: RunningHerald | undefined;
  try {
    const url = await server.freshDatabase('herald_bench_notifications');
    const env: NodeJS.ProcessEnv = {
      PORT: '0',
      DATABASE_URL: url,
      HERALD_WORKER_CONCURRENCY: CONCURRENCY,
      ...providerEnv(providers),
    };
    const cfg = parseConfigText(config(providers), env, 'bench.yml');
    herald = await runHerald({ mode: 'start', config: cfg, logger: createLogger('warn') });
    const h = herald;
    const declare = (i: number) =>
      h.incidents.declare({ title: `Bench ${i}`, severity: 'critical', services: ['checkout'] }, 'bench');

    // Warm-up: connections, JIT, SDK clients.
    await declare(0);
    await waitUntil(h, 100, 0);

    let since = 1;
    for (let i = 0; i < INCIDENTS; i++) {
      await declare(i);
      await waitUntil(h, (i + 1) * 100, since);
    }
    const seq = await latencies(h, since);

    since += INCIDENTS;
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < INCIDENTS) await declare(next++);
      }),
    );
    await waitUntil(h, INCIDENTS * 100, since);
    const wallMs = Date.now() - t0;
    const burst = await latencies(h, since);
    const attempts = await sql<{ outcome: string; error: string | null; n: number }>`
      select outcome, min(error) as error, count(*)::int as n from delivery_attempts group by 1`.execute(
      h.connection.db,
    );
    const failed = await sql<{
      n: number;
    }>`select count(*)::int as n from deliveries where status <> 'sent'`.execute(h.connection.db);

    return {
      incidents: INCIDENTS,
      deliveries_per_incident: 100,
      worker_concurrency: Number(CONCURRENCY),
      provider_latency_ms: PROVIDER_LATENCY_MS,
      latency_p50_ms: round(percentile(seq.per, 50)),
      latency_p99_ms: round(percentile(seq.per, 99)),
      burst_deliveries: burst.total,
      burst_deliveries_per_s: round((burst.total / burst.spanMs) * 1000, 0),
      burst_wall_s: round(wallMs / 1000, 2),
      burst_latency_p50_ms: round(percentile(burst.per, 50)),
      burst_latency_p99_ms: round(percentile(burst.per, 99)),
      not_sent: failed.rows[0]?.n ?? -1,
      attempts_failed: attempts.rows.filter((a) => a.outcome !== 'sent').reduce((a, r) => a + r.n, 0),
      provider_requests: Object.values(await providers.counts()).reduce((a, b) => a + b, 0),
      peak_rss_mb: round(peakRss / 2 ** 20, 0),
    };
  } finally {
    clearInterval(sampler);
    await herald?.stop();
    await providers.stop();
    await server.stop();
  }
}

if (require.main === module) runAlone(run);
