import { sql, type Kysely } from 'kysely';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Database } from '../db/schema';
import type { Clock } from '../common/clock';
import { computeStats, type Stats } from './stats';

/** Prometheus metrics of the delivery engine, on the instance's registry. */
export interface DeliveryMetrics {
  readonly deliveries: Counter<'channel' | 'outcome'>;
  readonly providerSeconds: Histogram<'channel'>;
}

export function deliveryMetrics(registry: Registry, db: Kysely<Database>, clock: Clock): DeliveryMetrics {
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

  new Gauge({
    name: 'herald_deliveries_by_status',
    help: 'Deliveries created in the last 24 hours by channel and status (dead = gave up with nothing left to try)',
    labelNames: ['channel', 'status'] as const,
    registers: [registry],
    async collect() {
      const rows = await sql<{ channel: string; status: string; n: number }>`
        select channel, status, count(*)::int as n from deliveries
        where created_at > now() - interval '24 hours' group by channel, status`.execute(db);
      this.reset();
      for (const r of rows.rows) this.set({ channel: r.channel, status: r.status }, r.n);
    },
  });
  return {
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
