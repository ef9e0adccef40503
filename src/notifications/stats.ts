import { sql, type Kysely } from 'kysely';
import type { DateTime } from 'luxon';
import type { Database } from '../db/schema';

/**
 * Delivery and response statistics over a window: what `/api/v1/stats` answers and the internal
 * status page charts. All aggregation happens in SQL.
 */
export interface Stats {
  window: { from: string; to: string };
  deliveries: {
    by_channel: Record<string, Record<string, number>>;
    by_severity: Record<string, Record<string, number>>;
    by_outcome: Record<string, number>;
    total: number;
  };
  incidents: { declared: number; acknowledged: number; resolved: number };
  /** Mean time to acknowledge / resolve, seconds, over incidents acknowledged / resolved in the window. */
  mtta_seconds: number | null;
  mttr_seconds: number | null;
  /** Declaration to the first successful delivery, seconds, over incidents declared in the window. */
  first_delivery_seconds: { p50: number | null; p95: number | null; count: number };
}

const nest = (rows: { k: string; status: string; n: number }[]): Record<string, Record<string, number>> => {
  const out: Record<string, Record<string, number>> = {};
  for (const r of rows) (out[r.k] ??= {})[r.status] = r.n;
  return out;
};

export async function computeStats(db: Kysely<Database>, from: DateTime, to: DateTime): Promise<Stats> {
  const f = from.toJSDate();
  const t = to.toJSDate();
  const byChannel = await sql<{ k: string; status: string; n: number }>`
    select channel as k, status, count(*)::int as n from deliveries
    where created_at >= ${f} and created_at < ${t} group by 1, 2 order by 1, 2`.execute(db);
  const bySeverity = await sql<{ k: string; status: string; n: number }>`
    select severity as k, status, count(*)::int as n from deliveries
    where created_at >= ${f} and created_at < ${t} group by 1, 2 order by 1, 2`.execute(db);
  const times = await sql<{
    declared: number;
    acked: number;
    resolved: number;
    mtta: number | null;
    mttr: number | null;
  }>`
    select
      count(*) filter (where started_at >= ${f} and started_at < ${t})::int as declared,
      count(*) filter (where acknowledged_at >= ${f} and acknowledged_at < ${t})::int as acked,
      count(*) filter (where resolved_at >= ${f} and resolved_at < ${t})::int as resolved,
      avg(extract(epoch from acknowledged_at - started_at)) filter (where acknowledged_at >= ${f} and acknowledged_at < ${t})::float8 as mtta,
      avg(extract(epoch from resolved_at - started_at)) filter (where resolved_at >= ${f} and resolved_at < ${t})::float8 as mttr
    from incidents`.execute(db);
  const first = await sql<{ p50: number | null; p95: number | null; n: number }>`
    select percentile_cont(0.5) within group (order by s)::float8 as p50,
           percentile_cont(0.95) within group (order by s)::float8 as p95,
           count(*)::int as n
    from (
      select extract(epoch from min(d.sent_at) - i.created_at) as s
      from incidents i join deliveries d on d.incident_id = i.id and d.status = 'sent'
      where i.created_at >= ${f} and i.created_at < ${t}
      group by i.id, i.created_at
    ) x`.execute(db);

  const byOutcome: Record<string, number> = {};
  for (const r of byChannel.rows) byOutcome[r.status] = (byOutcome[r.status] ?? 0) + r.n;
  const tm = times.rows[0];
  const fd = first.rows[0];
  return {
    window: { from: from.toUTC().toISO() ?? '', to: to.toUTC().toISO() ?? '' },
    deliveries: {
      by_channel: nest(byChannel.rows),
      by_severity: nest(bySeverity.rows),
      by_outcome: byOutcome,
      total: Object.values(byOutcome).reduce((a, b) => a + b, 0),
    },
    incidents: { declared: tm?.declared ?? 0, acknowledged: tm?.acked ?? 0, resolved: tm?.resolved ?? 0 },
    mtta_seconds: tm?.mtta ?? null,
    mttr_seconds: tm?.mttr ?? null,
    first_delivery_seconds: { p50: fd?.p50 ?? null, p95: fd?.p95 ?? null, count: fd?.n ?? 0 },
  };
}
