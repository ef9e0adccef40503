import { sql, type Kysely } from 'kysely';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Database } from '../db/schema';
import type { Clock } from '../common/clock';
import { computeStats, type Stats } from './stats';

/** Prometheus metrics of the delivery engine, on the instance's registry. */
export interface DeliveryMetrics {
  readonly deliveries: Counter<'channel' | 'outcome'>;
  readonly providerSeconds: Histogram<'channel'>;
  /**
   * Recomputes the database-derived gauges (MTTA/MTTR, first delivery, deliveries by status).
   * Called on the composition root's metrics timer, never per scrape: a scrape only serialises
   * the registry, so a scraper hammering `/metrics` costs no queries while alerts arrive.
   */
  refresh(): Promise<void>;
}

export function deliveryMetrics(registry: Registry, db: Kysely<Database>, clock: Clock): DeliveryMetrics {
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
  const refresh = async (): Promise<void> => {
    const now = clock.now();
    const [stats, rows] = await Promise.all([
      computeStats(db, now.minus({ hours: 24 }), now.plus({ milliseconds: 1 })),
      sql<{ channel: string; status: string; n: number }>`
        select channel, status, count(*)::int as n from deliveries
        where created_at > ${now.minus({ hours: 24 }).toJSDate()} group by channel, status`.execute(db),
    ]);
    // Set together, after both queries, so a scrape never sees half a refresh.
    for (const [g, pick] of responseGauges) g.set(pick(stats) ?? Number.NaN);
    byStatus.reset();
    for (const r of rows.rows) byStatus.set({ channel: r.channel, status: r.status }, r.n);
  };
  return {
    refresh,
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
