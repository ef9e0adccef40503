import { sql } from 'kysely';
import { DateTime } from 'luxon';
import type { Db } from '../db/schema';
import type { Severity } from '../config/vocabulary';
import { mostSevere } from './mapping';

/**
 * SQL that binds alerts and groups to incidents, run inside the incident's own transaction (by
 * the ingest subscriber) or in a short one of ours. Every read here locks what it checks, so a
 * decision taken on a snapshot is verified under lock before it is applied.
 */

export interface GroupRef {
  readonly integrationId: string;
  readonly groupKey: string;
}

/** The group's current incident, row-locked; undefined when the group does not exist. */
export async function lockGroupRow(db: Db, g: GroupRef): Promise<number | null | undefined> {
  const row = await db
    .selectFrom('ingest_groups')
    .select('incident_id')
    .where('integration_id', '=', g.integrationId)
    .where('group_key', '=', g.groupKey)
    .forUpdate()
    .executeTakeFirst();
  return row ? row.incident_id : undefined;
}

/** Creates the service's storm pseudo-group if needed and locks it. */
export async function lockStormRow(
  db: Db,
  g: GroupRef,
  service: string,
  now: DateTime,
): Promise<number | null> {
  await db
    .insertInto('ingest_groups')
    .values({
      integration_id: g.integrationId,
      group_key: g.groupKey,
      service,
      title: `Alert storm: ${service || 'no service'}`,
      updated_at: now.toJSDate(),
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return (await lockGroupRow(db, g)) ?? null;
}

export async function setGroupIncident(
  db: Db,
  g: GroupRef,
  incidentId: number,
  now: DateTime,
): Promise<void> {
  await db
    .updateTable('ingest_groups')
    .set({ incident_id: incidentId, updated_at: now.toJSDate() })
    .where('integration_id', '=', g.integrationId)
    .where('group_key', '=', g.groupKey)
    .execute();
}

/**
 * Attaches the group's unbound firing alerts to an incident: how many, how many fire for the first
 * time (the others fired before, usually for this same incident), and the most severe.
 */
export async function bindUnbound(
  db: Db,
  g: GroupRef,
  incidentId: number,
): Promise<{ count: number; firstFiring: number; severity: Severity | null }> {
  const rows = await db
    .updateTable('ingest_alerts')
    .set({ incident_id: incidentId })
    .where('integration_id', '=', g.integrationId)
    .where('group_key', '=', g.groupKey)
    .where('status', '=', 'firing')
    .where('incident_id', 'is', null)
    .returning(['severity', 'fire_count'])
    .execute();
  const severities = rows.map((r) => r.severity as Severity);
  return {
    count: rows.length,
    firstFiring: rows.filter((r) => r.fire_count === 1).length,
    severity: severities.length ? mostSevere(severities, 'info') : null,
  };
}

export interface UnboundSummary {
  readonly count: number;
  readonly severity: Severity | null;
  readonly services: readonly string[];
  readonly startedAt: DateTime | null;
  readonly sample: ReadonlyArray<{
    name: string;
    summary: string;
    labels: Record<string, string>;
    url: string | null;
  }>;
}

/** What the group's unbound alerts say, to declare or reopen an incident for them. */
export async function unboundSummary(db: Db, g: GroupRef, sampleSize = 10): Promise<UnboundSummary> {
  const agg = await sql<{ n: number; rank: number | null; services: string[] | null; started: Date | null }>`
    select count(*)::int as n,
      min(array_position(array['critical','high','medium','low','info']::text[], severity)) as rank,
      array_agg(distinct service) filter (where service is not null) as services, min(starts_at) as started
    from ingest_alerts where integration_id = ${g.integrationId} and group_key = ${g.groupKey}
      and status = 'firing' and incident_id is null`.execute(db);
  const sample = await db
    .selectFrom('ingest_alerts')
    .select(['name', 'summary', 'labels', 'url'])
    .where('integration_id', '=', g.integrationId)
    .where('group_key', '=', g.groupKey)
    .where('status', '=', 'firing')
    .where('incident_id', 'is', null)
    .orderBy('fired_at')
    .orderBy('fingerprint')
    .limit(sampleSize)
    .execute();
  const a = agg.rows[0];
  const order = ['critical', 'high', 'medium', 'low', 'info'] as const;
  return {
    count: a?.n ?? 0,
    severity: a?.rank ? (order[a.rank - 1] ?? null) : null,
    services: a?.services ?? [],
    startedAt: a?.started ? DateTime.fromJSDate(a.started, { zone: 'utc' }) : null,
    sample,
  };
}

/** The latest firing alerts of an incident, for "N more alerts: …" messages. */
export async function latestSummaries(db: Db, incidentId: number, n: number): Promise<string[]> {
  const rows = await db
    .selectFrom('ingest_alerts')
    .select('summary')
    .where('incident_id', '=', incidentId)
    .where('status', '=', 'firing')
    .orderBy('fired_at', 'desc')
    .limit(n)
    .execute();
  return rows.map((r) => r.summary);
}

export interface LockedIncidentState {
  readonly firing: number;
  readonly pending: number;
  readonly clearedAt: Date | null;
}

export async function lockIncidentState(
  db: Db,
  incidentId: number,
): Promise<LockedIncidentState | undefined> {
  const row = await db
    .selectFrom('ingest_incidents')
    .select(['firing', 'pending', 'cleared_at'])
    .where('incident_id', '=', incidentId)
    .forUpdate()
    .executeTakeFirst();
  return row ? { firing: row.firing, pending: row.pending, clearedAt: row.cleared_at } : undefined;
}

export interface IncidentStatePatch {
  firing?: number;
  total?: number;
  pending?: number;
  pending_severity?: string | null;
  last_event_at?: Date;
  flapping?: boolean;
  cleared_at?: Date | null;
}

export async function patchIncidentState(
  db: Db,
  incidentId: number,
  patch: IncidentStatePatch,
): Promise<void> {
  await db.updateTable('ingest_incidents').set(patch).where('incident_id', '=', incidentId).execute();
}

/** Adds to an incident's counters (used when binding alerts to it). */
export async function addToIncidentState(
  db: Db,
  incidentId: number,
  add: { firing: number; total: number; pending: number; severity: Severity | null },
): Promise<void> {
  await sql`update ingest_incidents set firing = firing + ${add.firing}, total = total + ${add.total},
      pending = pending + ${add.pending},
      pending_severity = case when ${add.severity}::text is null or ${add.pending} = 0 then pending_severity
        when pending_severity is null then ${add.severity}::text
        when array_position(array['critical','high','medium','low','info']::text[], ${add.severity}::text)
          < array_position(array['critical','high','medium','low','info']::text[], pending_severity)
          then ${add.severity}::text else pending_severity end
    where incident_id = ${incidentId}`.execute(db);
}

export async function insertIncidentState(
  db: Db,
  row: {
    incidentId: number;
    integrationId: string;
    service: string;
    storm: boolean;
    autoResolve: boolean;
    firing: number;
    now: DateTime;
  },
): Promise<void> {
  await db
    .insertInto('ingest_incidents')
    .values({
      incident_id: row.incidentId,
      integration_id: row.integrationId,
      service: row.service,
      storm: row.storm,
      auto_resolve: row.autoResolve,
      firing: row.firing,
      total: row.firing,
      last_event_at: row.now.toJSDate(),
      pending_severity: null,
      cleared_at: null,
    })
    .execute();
}

/** Open incidents whose counters may call for an action, longest quiet first (the sweep's work list). */
export async function incidentsNeedingAttention(db: Db, limit: number): Promise<number[]> {
  const r = await sql<{ id: number }>`
    select ii.incident_id as id from ingest_incidents ii join incidents i on i.id = ii.incident_id
    where (ii.pending > 0 or (ii.flapping and ii.cleared_at is not null) or (ii.firing = 0 and ii.cleared_at is null))
      and i.status <> 'resolved'
    order by ii.last_event_at limit ${limit}`.execute(db);
  return r.rows.map((x) => x.id);
}

/** Groups with firing alerts bound to no incident (a crash between facts and declaration). */
export async function groupsWithUnbound(db: Db, limit: number): Promise<GroupRef[]> {
  const r = await sql<{ integration_id: string; group_key: string }>`
    select distinct integration_id, group_key from ingest_alerts
    where status = 'firing' and incident_id is null limit ${limit}`.execute(db);
  return r.rows.map((x) => ({ integrationId: x.integration_id, groupKey: x.group_key }));
}
