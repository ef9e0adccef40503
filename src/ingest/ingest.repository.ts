import { sql } from 'kysely';
import { DateTime } from 'luxon';
import type { Db } from '../db/schema';
import type { Severity } from '../config/vocabulary';
import type { IncidentDelta, KnownAlert, FactsPlan, GroupState, IncidentState } from './grouping';
import type { AlertBatch } from './types';

/**
 * SQL of the ingest module. Takes `db | trx` first and never opens a transaction. Hot paths are
 * hand-written (arrays through `unnest`, one statement per step) because a benchmark drives them.
 */

const dt = (d: Date): DateTime => DateTime.fromJSDate(d, { zone: 'utc' });
const dtOrNull = (d: Date | null): DateTime | null => (d ? dt(d) : null);
const SEVERITY_ORDER = sql`array['critical','high','medium','low','info']::text[]`;

/** Pseudo-group holding a service's storm incident (integration ids are non-empty slugs). */
export const stormGroup = (service: string) => ({ integrationId: '', groupKey: `storm:${service}` });

export interface LockedGroup {
  readonly incidentId: number | null;
  readonly incidentOpen: boolean;
}

/** Creates or row-locks the batch's group: requests for one group serialise here, across processes. */
export async function lockGroup(db: Db, batch: AlertBatch, now: DateTime): Promise<LockedGroup> {
  const r = await sql<{ incident_id: number | null; status: string | null }>`
    with g as (
      insert into ingest_groups (integration_id, group_key, service, title, updated_at)
      values (${batch.integrationId}, ${batch.groupKey}, ${batch.service}, ${batch.title}, ${now.toJSDate()})
      on conflict (integration_id, group_key) do update set updated_at = excluded.updated_at
      returning incident_id)
    select g.incident_id, i.status from g left join incidents i on i.id = g.incident_id`.execute(db);
  const row = r.rows[0];
  return {
    incidentId: row?.incident_id ?? null,
    incidentOpen: row?.status != null && row.status !== 'resolved',
  };
}

export async function knownAlerts(db: Db, batch: AlertBatch): Promise<Map<string, KnownAlert>> {
  const fingerprints = batch.alerts.map((a) => a.fingerprint);
  const r = await sql<{
    fingerprint: string;
    status: 'firing' | 'resolved';
    resolved_at: Date | null;
    incident_id: number | null;
  }>`
    select fingerprint, status, resolved_at, incident_id from ingest_alerts
    where integration_id = ${batch.integrationId} and group_key = ${batch.groupKey}
      and fingerprint = any(${fingerprints}::text[])`.execute(db);
  return new Map(
    r.rows.map((row) => [
      row.fingerprint,
      { status: row.status, resolvedAt: dtOrNull(row.resolved_at), incidentId: row.incident_id },
    ]),
  );
}

/** Writes a facts plan: firing alerts upserted in one statement, resolutions in another. */
export async function writeFacts(
  db: Db,
  batch: AlertBatch,
  plan: FactsPlan,
  target: number | null,
  now: DateTime,
): Promise<void> {
  const at = now.toJSDate();
  if (plan.firing.length > 0) {
    const col = <T>(f: (a: FactsPlan['firing'][number]['alert']) => T) => plan.firing.map((x) => f(x.alert));
    await sql`
      insert into ingest_alerts as a (integration_id, group_key, fingerprint, incident_id, status, name,
        summary, severity, service, labels, url, starts_at, fired_at, resolved_at, fire_count)
      select ${batch.integrationId}, ${batch.groupKey}, t.f, ${target}::int, 'firing', t.n, t.s, t.sev, t.svc,
        t.l::jsonb, t.u, coalesce(t.st, ${at}::timestamptz), ${at}::timestamptz, null, 1
      from unnest(${col((a) => a.fingerprint)}::text[], ${col((a) => a.name)}::text[],
        ${col((a) => a.summary)}::text[], ${col((a) => a.severity)}::text[], ${col((a) => a.service)}::text[],
        ${col((a) => JSON.stringify(a.labels))}::text[], ${col((a) => a.url)}::text[],
        ${col((a) => a.startsAt?.toJSDate() ?? null)}::timestamptz[]) as t(f, n, s, sev, svc, l, u, st)
      on conflict (integration_id, group_key, fingerprint) do update set
        incident_id = excluded.incident_id, status = 'firing', name = excluded.name,
        summary = excluded.summary, severity = excluded.severity, service = excluded.service,
        labels = excluded.labels, url = excluded.url, starts_at = excluded.starts_at,
        fired_at = excluded.fired_at, resolved_at = null, fire_count = a.fire_count + 1`.execute(db);
  }
  if (plan.resolved.length > 0) {
    await sql`
      update ingest_alerts set status = 'resolved', resolved_at = ${at}
      where integration_id = ${batch.integrationId} and group_key = ${batch.groupKey}
        and fingerprint = any(${[...plan.resolved]}::text[]) and status = 'firing'`.execute(db);
  }
  if (plan.newCount > 0) {
    await sql`
      update ingest_groups set
        window_count = case when window_started_at > ${at}::timestamptz - interval '1 minute'
          then window_count + ${plan.newCount} else ${plan.newCount} end,
        window_started_at = case when window_started_at > ${at}::timestamptz - interval '1 minute'
          then window_started_at else ${at}::timestamptz end
      where integration_id = ${batch.integrationId} and group_key = ${batch.groupKey}`.execute(db);
  }
  // In id order, so two transactions touching the same incidents cannot deadlock.
  for (const [id, d] of [...plan.deltas].sort(([a], [b]) => a - b)) await applyDelta(db, id, d);
}

export async function applyDelta(db: Db, incidentId: number, d: IncidentDelta): Promise<void> {
  await sql`
    update ingest_incidents set firing = firing + ${d.firing}, total = total + ${d.total},
      pending = pending + ${d.pending}, flapping = flapping or ${d.flapping},
      pending_severity = case
        when ${d.pendingSeverity}::text is null then pending_severity
        when pending_severity is null then ${d.pendingSeverity}::text
        when array_position(${SEVERITY_ORDER}, ${d.pendingSeverity}::text)
           < array_position(${SEVERITY_ORDER}, pending_severity) then ${d.pendingSeverity}::text
        else pending_severity end
    where incident_id = ${incidentId}`.execute(db);
}

export interface GroupSnapshot extends GroupState {
  readonly service: string;
  readonly title: string;
}

/** A group with its incident state and the service's storm state, in one round trip. */
export async function groupSnapshot(
  db: Db,
  integrationId: string,
  groupKey: string,
  now: DateTime,
): Promise<GroupSnapshot | null> {
  const at = now.toJSDate();
  const r = await sql<{
    incident_id: number | null;
    service: string;
    title: string;
    window_started_at: Date | null;
    window_count: number;
    status: string | null;
    resolved_at: Date | null;
    unbound: number;
    others_rate: number;
    storm_incident_id: number | null;
    storm_status: string | null;
    storm_resolved_at: Date | null;
  }>`
    select g.incident_id, g.service, g.title, g.window_started_at, g.window_count, i.status, i.resolved_at,
      (select count(*)::int from ingest_alerts a where a.integration_id = g.integration_id
        and a.group_key = g.group_key and a.status = 'firing' and a.incident_id is null) as unbound,
      (select coalesce(sum(o.window_count), 0)::int from ingest_groups o where o.service = g.service
        and o.window_started_at > ${at}::timestamptz - interval '1 minute'
        and (o.integration_id, o.group_key) <> (g.integration_id, g.group_key)) as others_rate,
      sg.incident_id as storm_incident_id, si.status as storm_status, si.resolved_at as storm_resolved_at
    from ingest_groups g
    left join incidents i on i.id = g.incident_id
    left join ingest_groups sg on sg.integration_id = '' and sg.group_key = 'storm:' || g.service
    left join incidents si on si.id = sg.incident_id
    where g.integration_id = ${integrationId} and g.group_key = ${groupKey}`.execute(db);
  const row = r.rows[0];
  if (!row) return null;
  const windowCurrent =
    row.window_started_at !== null && dt(row.window_started_at) > now.minus({ minutes: 1 });
  return {
    service: row.service,
    title: row.title,
    incidentId: row.incident_id,
    incidentOpen: row.status !== null && row.status !== 'resolved',
    incidentResolvedAt: dtOrNull(row.resolved_at),
    unbound: row.unbound,
    ownRate: windowCurrent ? row.window_count : 0,
    othersRate: row.others_rate,
    storm: {
      incidentId: row.storm_incident_id,
      open: row.storm_status !== null && row.storm_status !== 'resolved',
      resolvedAt: dtOrNull(row.storm_resolved_at),
    },
  };
}

export interface IncidentSnapshot extends IncidentState {
  readonly integrationId: string;
}

export async function incidentSnapshot(
  db: Db,
  incidentId: number,
  now: DateTime,
): Promise<IncidentSnapshot | null> {
  const r = await sql<{
    integration_id: string;
    status: string;
    severity: Severity;
    firing: number;
    total: number;
    pending: number;
    pending_severity: Severity | null;
    last_event_at: Date;
    flapping: boolean;
    cleared_at: Date | null;
    auto_resolve: boolean;
    storm: boolean;
    service_rate: number;
  }>`
    select ii.integration_id, i.status, i.severity, ii.firing, ii.total, ii.pending, ii.pending_severity, ii.last_event_at,
      ii.flapping, ii.cleared_at, ii.auto_resolve, ii.storm,
      (select coalesce(sum(o.window_count), 0)::int from ingest_groups o where o.service = ii.service
        and o.window_started_at > ${now.toJSDate()}::timestamptz - interval '1 minute') as service_rate
    from ingest_incidents ii join incidents i on i.id = ii.incident_id
    where ii.incident_id = ${incidentId}`.execute(db);
  const row = r.rows[0];
  if (!row) return null;
  return {
    id: incidentId,
    integrationId: row.integration_id,
    open: row.status !== 'resolved',
    severity: row.severity,
    firing: row.firing,
    total: row.total,
    pending: row.pending,
    pendingSeverity: row.pending_severity,
    lastEventAt: dt(row.last_event_at),
    flapping: row.flapping,
    clearedAt: dtOrNull(row.cleared_at),
    autoResolve: row.auto_resolve,
    storm: row.storm,
    serviceRate: row.service_rate,
  };
}
