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
  /**
   * Recomputes the database-derived gauges (MTTA/MTTR, first delivery, deliveries by status and
   * by lane, deliveries waiting). Called on the composition root's metrics timer, never per
   * scrape: a scrape only serialises the registry, so a scraper hammering `/metrics` costs no
   * queries while pages go out.
   */
  refresh(): Promise<void>;
}

export function deliveryMetrics(
  registry: Registry,
  db: Kysely<Database>,
  clock: Clock,
  limiter?: RateLimiter,
): DeliveryMetrics {
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });
  // The same figures as GET /api/v1/stats (last 24 hours); NaN until the first refresh.
  const responseGauges: ReadonlyArray<readonly [Gauge, (s: Stats) => number | null]> = [
    [
      gauge('herald_mtta_seconds', 'Mean time to acknowledge over the last 24 hours (NaN: none)'),
      (s) => s.mtta_seconds,
    ],
    [
      gauge('herald_mttr_seconds', 'Mean time to resolve over the last 24 hours (NaN: none)'),
      (s) => s.mttr_seconds,
    ],
    [
      gauge(
        'herald_first_delivery_p50_seconds',
        'Declaration to first successful delivery, p50, last 24 hours',
      ),
      (s) => s.first_delivery_seconds.p50,
    ],
    [
      gauge(
        'herald_first_delivery_p95_seconds',
        'Declaration to first successful delivery, p95, last 24 hours',
      ),
      (s) => s.first_delivery_seconds.p95,
    ],
  ];
  for (const [g] of responseGauges) g.set(Number.NaN);
  const byStatus = new Gauge({
    name: 'herald_deliveries_by_status',
    help: 'Deliveries created in the last 24 hours by channel and status (dead = gave up with nothing left to try)',
    labelNames: ['channel', 'status'] as const,
    registers: [registry],
  });
  const byPriority = new Gauge({
    name: 'herald_deliveries_by_priority',
    help: 'Deliveries created in the last 24 hours by priority lane (page, responder, stakeholder, bulk) and status',
    labelNames: ['priority', 'status'] as const,
    registers: [registry],
  });
  const waitingGauge = new Gauge({
    name: 'herald_deliveries_waiting',
    help: 'Deliveries waiting to be sent now (pending: due, deferred by a rate limit or retrying) by priority lane',
    labelNames: ['priority'] as const,
    registers: [registry],
  });
  if (limiter) {
    // In memory: read at scrape time, no query.
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
  const refresh = async (): Promise<void> => {
    const now = clock.now();
    const since = now.minus({ hours: 24 });
    const [stats, rows, waiting] = await Promise.all([
      computeStats(db, since, now.plus({ milliseconds: 1 })),
      sql<{ channel: string; status: string; priority: number; n: number }>`
        select channel, status, priority, count(*)::int as n from deliveries
        where created_at > ${since.toJSDate()} group by channel, status, priority`.execute(db),
      sql<{ priority: number; n: number }>`
        select priority, count(*)::int as n from deliveries
        where status = 'pending' group by priority`.execute(db),
    ]);
    // Set together, after every query, so a scrape never sees half a refresh.
    for (const [g, pick] of responseGauges) g.set(pick(stats) ?? Number.NaN);
    byStatus.reset();
    byPriority.reset();
    for (const p of PRIORITIES)
      for (const status of ['pending', 'sent']) byPriority.set({ priority: p, status }, 0);
    for (const r of rows.rows) {
      byStatus.inc({ channel: r.channel, status: r.status }, r.n);
      byPriority.inc({ priority: PRIORITIES[r.priority] ?? 'responder', status: r.status }, r.n);
    }
    waitingGauge.reset();
    for (const p of PRIORITIES) waitingGauge.set({ priority: p }, 0);
    for (const r of waiting.rows) waitingGauge.set({ priority: PRIORITIES[r.priority] ?? 'responder' }, r.n);
  };
  return {
    refresh,
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
