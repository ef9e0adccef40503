import { DateTime } from 'luxon';
import type {
  Db,
  FieldChange,
  IncidentEventRow,
  IncidentPatch,
  IncidentRow,
  NewIncidentRow,
} from '../db/schema';
import { notFound } from '../common/errors';
import {
  refOf,
  type EventKind,
  type Incident,
  type Severity,
  type Status,
  type TimelineEvent,
} from './incident';

/** SQL for incidents and their timeline. Takes `db | trx` first; never opens a transaction. */

const dt = (d: Date): DateTime => DateTime.fromJSDate(d, { zone: 'utc' });
const dtOrNull = (d: Date | null): DateTime | null => (d ? dt(d) : null);

export function toIncident(row: IncidentRow): Incident {
  return {
    id: row.id,
    ref: refOf(row.id),
    title: row.title,
    description: row.description,
    severity: row.severity as Severity,
    status: row.status as Status,
    services: row.services,
    impact: row.impact,
    rootCause: row.root_cause,
    resolutionSteps: row.resolution_steps,
    commander: row.commander,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAt: dtOrNull(row.acknowledged_at),
    startedAt: dt(row.started_at),
    resolvedAt: dtOrNull(row.resolved_at),
    createdBy: row.created_by,
    source: row.source,
    publicTitle: row.public_title,
    published: row.published,
    publishedAt: dtOrNull(row.published_at),
    publishedBy: row.published_by,
    private: row.private,
    version: row.version,
    updatedAt: dt(row.updated_at),
  };
}

export function toEvent(row: IncidentEventRow): TimelineEvent {
  return {
    id: row.id,
    incidentId: row.incident_id,
    at: dt(row.at),
    actor: row.actor,
    kind: row.kind as EventKind,
    changes: row.changes,
    message: row.message,
    publicMessage: row.public_message,
  };
}

export async function insertIncident(db: Db, row: NewIncidentRow): Promise<Incident> {
  return toIncident(await db.insertInto('incidents').values(row).returningAll().executeTakeFirstOrThrow());
}

/** Reads and row-locks an incident so concurrent changes to it serialise. */
export async function lockIncident(db: Db, id: number): Promise<Incident> {
  const row = await db
    .selectFrom('incidents')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound(`no incident ${refOf(id)}`);
  return toIncident(row);
}

export async function findIncident(db: Db, id: number): Promise<Incident> {
  const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`no incident ${refOf(id)}`);
  return toIncident(row);
}

export async function updateIncident(db: Db, id: number, patch: IncidentPatch): Promise<Incident> {
  const row = await db
    .updateTable('incidents')
    .set((eb) => ({ ...patch, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toIncident(row);
}

export interface ListFilter {
  /** `open` = every status but resolved. */
  status?: Status | 'open';
  severity?: Severity;
  service?: string;
  limit: number;
  /** Incidents with an id below this (keyset pagination, newest first). */
  before?: number;
}

export async function listIncidents(db: Db, f: ListFilter): Promise<Incident[]> {
  let q = db.selectFrom('incidents').selectAll();
  if (f.status === 'open') q = q.where('status', '<>', 'resolved');
  else if (f.status) q = q.where('status', '=', f.status);
  if (f.severity) q = q.where('severity', '=', f.severity);
  if (f.service) q = q.where(({ eb, val, fn }) => eb(val(f.service as string), '=', fn.any('services')));
  if (f.before !== undefined) q = q.where('id', '<', f.before);
  const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
  return rows.map(toIncident);
}

export interface NewEvent {
  incidentId: number;
  at: DateTime;
  actor: string;
  kind: EventKind;
  changes?: FieldChange[];
  message?: string | null;
  publicMessage?: string | null;
}

export async function insertEvent(db: Db, e: NewEvent): Promise<TimelineEvent> {
  const row = await db
    .insertInto('incident_events')
    .values({
      incident_id: e.incidentId,
      at: e.at.toJSDate(),
      actor: e.actor,
      kind: e.kind,
      changes: JSON.stringify(e.changes ?? []),
      message: e.message ?? null,
      public_message: e.publicMessage ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toEvent(row);
}

export async function findEvent(db: Db, id: number): Promise<TimelineEvent> {
  const row = await db.selectFrom('incident_events').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`no timeline event ${id}`);
  return toEvent(row);
}

export async function timeline(db: Db, incidentId: number): Promise<TimelineEvent[]> {
  const rows = await db
    .selectFrom('incident_events')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('id', 'asc')
    .execute();
  return rows.map(toEvent);
}

/**
 * Which open period of the incident an event belongs to: how many times it had been reopened at
 * that event (0 until the first reopen). Without `upToEventId`, the current period. Acknowledge
 * links carry it so that a link sent before a resolve cannot acknowledge the reopened incident.
 */
export async function openPeriod(db: Db, incidentId: number, upToEventId?: number): Promise<number> {
  let q = db
    .selectFrom('incident_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('incident_id', '=', incidentId)
    .where('kind', '=', 'reopened');
  if (upToEventId !== undefined) q = q.where('id', '<=', upToEventId);
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.n);
}
