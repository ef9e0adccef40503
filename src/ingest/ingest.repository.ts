import { sql } from 'kysely';
import { DateTime } from 'luxon';
import type { Db } from '../db/schema';
import type { Severity } from '../config/vocabulary';
import type { GroupState, IncidentState } from './grouping';

/**
 * Snapshots of groups and incidents that the decisions of grouping.ts read. Takes `db | trx`
 * first and never opens a transaction. The write path is in facts.repository.ts.
 */

export const dt = (d: Date): DateTime => DateTime.fromJSDate(d, { zone: 'utc' });
export const dtOrNull = (d: Date | null): DateTime | null => (d ? dt(d) : null);

/** Pseudo-group holding a service's storm incident (integration ids are non-empty slugs). */
export const stormGroup = (service: string) => ({ integrationId: '', groupKey: `storm:${service}` });

/** An `ingest_incidents` row joined with its incident and its service's rate. */
export interface IncidentRow {
  incident_id: number;
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
}

export function toIncidentSnapshot(row: IncidentRow): IncidentSnapshot {
  return {
    id: row.incident_id,
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

export interface GroupSnapshot extends GroupState {
  readonly service: string;
  readonly title: string;
  /** The state of the group's incident, if it has one. */
  readonly incident: IncidentSnapshot | null;
}

/** A group with its incident's state and the service's storm state, in one round trip. */
export async function groupSnapshot(
  db: Db,
  integrationId: string,
  groupKey: string,
  now: DateTime,
): Promise<GroupSnapshot | null> {
  const at = now.toJSDate();
  const r = await sql<
    {
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
    } & Partial<Omit<IncidentRow, 'incident_id' | 'status' | 'service_rate'>>
  >`
    select g.incident_id, g.service, g.title, g.window_started_at, g.window_count, i.status, i.resolved_at,
      i.severity, ii.integration_id, ii.firing, ii.total, ii.pending, ii.pending_severity, ii.last_event_at,
      ii.flapping, ii.cleared_at, ii.auto_resolve, ii.storm,
      (select count(*)::int from ingest_alerts a where a.integration_id = g.integration_id
        and a.group_key = g.group_key and a.status = 'firing' and a.incident_id is null) as unbound,
      (select coalesce(sum(o.window_count), 0)::int from ingest_groups o where o.service = g.service
        and o.window_started_at > ${at}::timestamptz - interval '1 minute'
        and (o.integration_id, o.group_key) <> (g.integration_id, g.group_key)) as others_rate,
      sg.incident_id as storm_incident_id, si.status as storm_status, si.resolved_at as storm_resolved_at
    from ingest_groups g
    left join incidents i on i.id = g.incident_id
    left join ingest_incidents ii on ii.incident_id = g.incident_id
    left join ingest_groups sg on sg.integration_id = '' and sg.group_key = 'storm:' || g.service
    left join incidents si on si.id = sg.incident_id
    where g.integration_id = ${integrationId} and g.group_key = ${groupKey}`.execute(db);
  const row = r.rows[0];
  if (!row) return null;
  const windowCurrent =
    row.window_started_at !== null && dt(row.window_started_at) > now.minus({ minutes: 1 });
  const ownRate = windowCurrent ? row.window_count : 0;
  const incident =
    row.incident_id !== null && row.status !== null && row.integration_id != null
      ? toIncidentSnapshot({
          ...(row as unknown as IncidentRow),
          incident_id: row.incident_id,
          status: row.status,
          service_rate: ownRate + row.others_rate,
        })
      : null;
  return {
    incident,
    service: row.service,
    title: row.title,
    incidentId: row.incident_id,
    incidentOpen: row.status !== null && row.status !== 'resolved',
    incidentResolvedAt: dtOrNull(row.resolved_at),
    unbound: row.unbound,
    ownRate,
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
  const r = await sql<IncidentRow>`
    select ii.*, i.status, i.severity,
      (select coalesce(sum(o.window_count), 0)::int from ingest_groups o where o.service = ii.service
        and o.window_started_at > ${now.toJSDate()}::timestamptz - interval '1 minute') as service_rate
    from ingest_incidents ii join incidents i on i.id = ii.incident_id
    where ii.incident_id = ${incidentId}`.execute(db);
  const row = r.rows[0];
  return row ? toIncidentSnapshot(row) : null;
}
