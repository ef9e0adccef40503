import { sql } from 'kysely';
import type { DateTime } from 'luxon';
import type { Pipeline } from '../db/pipeline';
import { mergeDeltas, type FactsPlan, type KnownAlert } from './grouping';
import { dtOrNull, toIncidentSnapshot, type IncidentRow, type IncidentSnapshot } from './ingest.repository';
import type { AlertBatch } from './types';

/**
 * The write path of ingestion: several requests' batches (distinct groups) in one transaction,
 * three statements whatever their number: lock the groups, read what is known of their alerts,
 * write every fact. Arrays travel through `unnest`, so a statement's text does not depend on the
 * number of alerts. Each function sends its statement on the pipeline before it first awaits, so
 * statements go out in call order and can share a round trip. Never opens a transaction.
 */

const SEVERITY_ORDER = sql`array['critical','high','medium','low','info']::text[]`;

export interface LockedGroup {
  readonly incidentId: number | null;
  readonly incidentOpen: boolean;
}

export const groupKeyOf = (b: { integrationId: string; groupKey: string }) =>
  `${b.integrationId}\u0000${b.groupKey}`;

/**
 * Creates or row-locks each batch's group, in key order (so concurrent transactions cannot
 * deadlock): requests for one group serialise here, across processes.
 */
export async function lockGroups(
  p: Pipeline,
  batches: readonly AlertBatch[],
  now: DateTime,
): Promise<Map<string, LockedGroup>> {
  const r = await p.rows(sql<{
    integration_id: string;
    group_key: string;
    incident_id: number | null;
    status: string | null;
  }>`
    with g as (
      insert into ingest_groups (integration_id, group_key, service, title, updated_at)
      select t.i, t.k, t.s, t.t, ${now.toJSDate()}::timestamptz
      from unnest(${batches.map((b) => b.integrationId)}::text[], ${batches.map((b) => b.groupKey)}::text[],
        ${batches.map((b) => b.service)}::text[], ${batches.map((b) => b.title)}::text[]) as t(i, k, s, t)
      order by t.i, t.k
      on conflict (integration_id, group_key) do update set updated_at = excluded.updated_at
      returning integration_id, group_key, incident_id)
    select g.integration_id, g.group_key, g.incident_id, i.status
    from g left join incidents i on i.id = g.incident_id`);
  return new Map(
    r.map((row) => [
      groupKeyOf({ integrationId: row.integration_id, groupKey: row.group_key }),
      { incidentId: row.incident_id, incidentOpen: row.status !== null && row.status !== 'resolved' },
    ]),
  );
}

/**
 * What is known of the batches' alerts, per group key, per fingerprint. Sent behind
 * {@link lockGroups}, it runs once the groups are locked (a statement of its own, with its own
 * snapshot), so it sees what the previous holder of a group lock committed.
 */
export async function knownAlerts(
  p: Pipeline,
  batches: readonly AlertBatch[],
): Promise<Map<string, Map<string, KnownAlert>>> {
  const rows = batches.flatMap((b) =>
    b.alerts.map((a) => [b.integrationId, b.groupKey, a.fingerprint] as const),
  );
  const r = await p.rows(sql<{
    integration_id: string;
    group_key: string;
    fingerprint: string;
    status: 'firing' | 'resolved';
    resolved_at: Date | null;
    incident_id: number | null;
  }>`
    select a.integration_id, a.group_key, a.fingerprint, a.status, a.resolved_at, a.incident_id
    from unnest(${rows.map((x) => x[0])}::text[], ${rows.map((x) => x[1])}::text[], ${rows.map((x) => x[2])}::text[])
      as t(i, k, f)
    join ingest_alerts a on a.integration_id = t.i and a.group_key = t.k and a.fingerprint = t.f`);
  const known = new Map<string, Map<string, KnownAlert>>();
  for (const row of r) {
    const key = groupKeyOf({ integrationId: row.integration_id, groupKey: row.group_key });
    let m = known.get(key);
    if (!m) known.set(key, (m = new Map()));
    m.set(row.fingerprint, {
      status: row.status,
      resolvedAt: dtOrNull(row.resolved_at),
      incidentId: row.incident_id,
    });
  }
  return known;
}

export interface PlannedBatch {
  readonly batch: AlertBatch;
  readonly plan: FactsPlan;
  /** The group's open incident, which its firing alerts join (null: they stay unbound). */
  readonly target: number | null;
}

/**
 * Writes every plan in one statement (data-modifying CTEs: alert upserts, resolutions, the groups'
 * rate windows, the incidents' counters) and returns the state of the target incidents afterwards,
 * so that the common case (alerts joining an incident whose updates are coalesced) needs no
 * further query. Run after {@link lockGroups} in the same transaction.
 */
export async function writeFacts(
  p: Pipeline,
  items: readonly PlannedBatch[],
  now: DateTime,
): Promise<Map<number, IncidentSnapshot>> {
  const at = now.toJSDate();
  const up = items.flatMap(({ batch, plan, target }) =>
    plan.firing.map(({ alert }) => ({ batch, alert, target })),
  );
  const res = items.flatMap(({ batch, plan }) =>
    plan.resolved.map((f) => [batch.integrationId, batch.groupKey, f]),
  );
  const win = items.filter(({ plan }) => plan.newCount > 0);
  const deltas = mergeDeltas(items.map((x) => x.plan));
  const targets = items.flatMap((x) => (x.target === null ? [] : [x.target]));
  const u = <T>(f: (x: (typeof up)[number]) => T) => up.map(f);
  const d = <T>(f: (x: (typeof deltas)[number][1]) => T) => deltas.map(([, x]) => f(x));
  const r = await p.rows(sql<IncidentRow>`
    with up as (
      insert into ingest_alerts as a (integration_id, group_key, fingerprint, incident_id, status, name,
        summary, severity, service, labels, url, starts_at, fired_at, resolved_at, fire_count)
      select t.i, t.k, t.f, t.inc, 'firing', t.n, t.s, t.sev, t.svc, t.l::jsonb, t.u,
        coalesce(t.st, ${at}::timestamptz), ${at}::timestamptz, null, 1
      from unnest(${u((x) => x.batch.integrationId)}::text[], ${u((x) => x.batch.groupKey)}::text[],
        ${u((x) => x.alert.fingerprint)}::text[], ${u((x) => x.target)}::int[], ${u((x) => x.alert.name)}::text[],
        ${u((x) => x.alert.summary)}::text[], ${u((x) => x.alert.severity)}::text[],
        ${u((x) => x.alert.service)}::text[], ${u((x) => JSON.stringify(x.alert.labels))}::text[],
        ${u((x) => x.alert.url)}::text[], ${u((x) => x.alert.startsAt?.toJSDate() ?? null)}::timestamptz[])
        as t(i, k, f, inc, n, s, sev, svc, l, u, st)
      on conflict (integration_id, group_key, fingerprint) do update set
        incident_id = excluded.incident_id, status = 'firing', name = excluded.name,
        summary = excluded.summary, severity = excluded.severity, service = excluded.service,
        labels = excluded.labels, url = excluded.url, starts_at = excluded.starts_at,
        fired_at = excluded.fired_at, resolved_at = null, fire_count = a.fire_count + 1
      returning 1),
    res as (
      update ingest_alerts a set status = 'resolved', resolved_at = ${at}
      from unnest(${res.map((x) => x[0])}::text[], ${res.map((x) => x[1])}::text[], ${res.map((x) => x[2])}::text[])
        as t(i, k, f)
      where a.integration_id = t.i and a.group_key = t.k and a.fingerprint = t.f and a.status = 'firing'
      returning 1),
    win as (
      update ingest_groups g set
        window_count = case when g.window_started_at > ${at}::timestamptz - interval '1 minute'
          then g.window_count + t.n else t.n end,
        window_started_at = case when g.window_started_at > ${at}::timestamptz - interval '1 minute'
          then g.window_started_at else ${at}::timestamptz end
      from unnest(${win.map((x) => x.batch.integrationId)}::text[], ${win.map((x) => x.batch.groupKey)}::text[],
        ${win.map((x) => x.plan.newCount)}::int[]) as t(i, k, n)
      where g.integration_id = t.i and g.group_key = t.k
      returning 1),
    d as (
      update ingest_incidents ii set firing = ii.firing + t.f, total = ii.total + t.tt,
        pending = ii.pending + t.p, flapping = ii.flapping or t.fl,
        pending_severity = case
          when t.ps is null then ii.pending_severity
          when ii.pending_severity is null then t.ps
          when array_position(${SEVERITY_ORDER}, t.ps) < array_position(${SEVERITY_ORDER}, ii.pending_severity)
            then t.ps
          else ii.pending_severity end
      from unnest(${deltas.map(([id]) => id)}::int[], ${d((x) => x.firing)}::int[], ${d((x) => x.total)}::int[],
        ${d((x) => x.pending)}::int[], ${d((x) => x.pendingSeverity)}::text[], ${d((x) => x.flapping)}::bool[])
        as t(id, f, tt, p, ps, fl)
      where ii.incident_id = t.id
      returning ii.*),
    fresh as (
      select t.s, sum(t.n)::int as n
      from unnest(${win.map((x) => x.batch.service)}::text[], ${win.map((x) => x.plan.newCount)}::int[]) as t(s, n)
      group by t.s)
    select d.*, i.status, i.severity,
      (select coalesce(sum(o.window_count), 0)::int from ingest_groups o where o.service = d.service
        and o.window_started_at > ${at}::timestamptz - interval '1 minute')
        + coalesce((select fresh.n from fresh where fresh.s = d.service), 0) as service_rate
    from d join incidents i on i.id = d.incident_id
    where d.incident_id = any(${targets}::int[])`);
  return new Map(r.map((row) => [row.incident_id, toIncidentSnapshot(row)]));
}
