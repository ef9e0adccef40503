import { sql, type Kysely } from 'kysely';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Database } from '../db/schema';
import type { Clock } from '../common/clock';
import { PRIORITIES } from './priority';
import type { RateLimiter } from './ratelimit';
import { computeStats, type Stats } from './stats';

/** Prometheus metrics of the delivery engine, on the instance's registry. */
export interface DeliveryMetrics {
  readonly deliveries: Counter<'channel' | 'outcome'>;
  readonly providerSeconds: Histogram<'channel'>;
  /** Deliveries deferred by a channel's rate limit, by lane. */
  readonly deferrals: Counter<'channel' | 'priority'>;
}

/**
 * One database read shared by every collection that starts while it is in flight: a flood of
 * scrapes costs one query at a time, not one per scrape.
 */
function shared<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () =>
    (inFlight ??= read().finally(() => {
      setImmediate(() => (inFlight = undefined));
    }));
}

export function deliveryMetrics(
  registry: Registry,
  db: Kysely<Database>,
  clock: Clock,
  limiter?: RateLimiter,
): DeliveryMetrics {
  // The same figures as GET /api/v1/stats (last 24 hours), computed once per scrape.
  let scrape: Promise<Stats> | undefined;
  const stats = (): Promise<Stats> => {
    scrape ??= computeStats(
      db,
      clock.now().minus({ hours: 24 }),
      clock.now().plus({ milliseconds: 1 }),
    ).finally(() => {
      setImmediate(() => (scrape = undefined));
    });
    return scrape;
  };
  const responseGauge = (name: string, help: string, pick: (s: Stats) => number | null) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const v = pick(await stats());
        this.set(v ?? Number.NaN);
      },
    });
  responseGauge(
    'herald_mtta_seconds',
    'Mean time to acknowledge over the last 24 hours (NaN: none)',
    (s) => s.mtta_seconds,
  );
  responseGauge(
    'herald_mttr_seconds',
    'Mean time to resolve over the last 24 hours (NaN: none)',
    (s) => s.mttr_seconds,
  );
  responseGauge(
    'herald_first_delivery_p50_seconds',
    'Declaration to first successful delivery, p50, last 24 hours',
    (s) => s.first_delivery_seconds.p50,
  );
  responseGauge(
    'herald_first_delivery_p95_seconds',
    'Declaration to first successful delivery, p95, last 24 hours',
    (s) => s.first_delivery_seconds.p95,
  );

  const byStatus = shared(async () => {
    const rows = await sql<{ channel: string; status: string; priority: number; n: number }>`
      select channel, status, priority, count(*)::int as n from deliveries
      where created_at > now() - interval '24 hours' group by channel, status, priority`.execute(db);
    return rows.rows;
  });
  new Gauge({
    name: 'herald_deliveries_by_status',
    help: 'Deliveries created in the last 24 hours by channel and status (dead = gave up with nothing left to try)',
    labelNames: ['channel', 'status'] as const,
    registers: [registry],
    async collect() {
      const rows = await byStatus();
      this.reset();
      const sums = new Map<string, { channel: string; status: string; n: number }>();
      for (const r of rows) {
        const k = `${r.channel}/${r.status}`;
        const sum = sums.get(k) ?? { channel: r.channel, status: r.status, n: 0 };
        sum.n += r.n;
        sums.set(k, sum);
      }
      for (const r of sums.values()) this.set({ channel: r.channel, status: r.status }, r.n);
    },
  });
  new Gauge({
    name: 'herald_deliveries_by_priority',
    help: 'Deliveries created in the last 24 hours by priority lane (page, responder, stakeholder, bulk) and status',
    labelNames: ['priority', 'status'] as const,
    registers: [registry],
    async collect() {
      const rows = await byStatus();
      this.reset();
      for (const p of PRIORITIES)
        for (const status of ['pending', 'sent']) this.set({ priority: p, status }, 0);
      for (const r of rows)
        this.inc({ priority: PRIORITIES[r.priority] ?? 'responder', status: r.status }, r.n);
    },
  });
  const waiting = shared(async () => {
    const rows = await sql<{ priority: number; n: number }>`
      select priority, count(*)::int as n from deliveries
      where status = 'pending' group by priority`.execute(db);
    return rows.rows;
  });
  new Gauge({
    name: 'herald_deliveries_waiting',
    help: 'Deliveries waiting to be sent now (pending: due, deferred by a rate limit or retrying) by priority lane',
    labelNames: ['priority'] as const,
    registers: [registry],
    async collect() {
      const rows = await waiting();
      this.reset();
      for (const p of PRIORITIES) this.set({ priority: p }, 0);
      for (const r of rows) this.set({ priority: PRIORITIES[r.priority] ?? 'responder' }, r.n);
    },
  });
  if (limiter) {
    new Gauge({
      name: 'herald_rate_limit_waiting',
      help: 'Deliveries above bulk this process deferred for a channel rate limit and not yet served, by channel and lane',
      labelNames: ['channel', 'priority'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const w of limiter.waiting(clock.now()))
          this.set({ channel: w.channel, priority: w.priority }, w.n);
      },
    });
  }
  return {
    deferrals: new Counter({
      name: 'herald_rate_limit_deferrals_total',
      help: 'Deliveries deferred by a channel rate limit (SES, Slack), by channel and priority lane',
      labelNames: ['channel', 'priority'] as const,
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'herald_delivery_outcomes_total',
      help: 'Delivery attempt outcomes by channel: sent, retry, failed (fell back), dead',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    providerSeconds: new Histogram({
      name: 'herald_provider_request_seconds',
      help: 'Time a channel provider took to answer one delivery attempt',
      labelNames: ['channel'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
