import { DateTime } from 'luxon';
import { sql, type Kysely } from 'kysely';
import type { Database, Db } from '../db/schema';
import type { Incident, TimelineEvent } from '../incidents/incident';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { toEvent, toIncident } from '../incidents/incident.repository';
import type { ComponentOverride, IncidentComponentStatus, Maintenance } from './status';
import type { MaintenanceRow } from './tables';

/**
 * Everything the pages are rendered from, read in one consistent (repeatable read) pass. Pages and
 * JSON are pure functions of a snapshot and the clock, so a snapshot is only reloaded when the data
 * changes (LISTEN/NOTIFY) or its window has to move.
 */
export interface Snapshot {
  readonly loadedAt: DateTime;
  /** Incidents open, or started or resolved after this, are included. */
  readonly windowStart: DateTime;
  /** Newest first (by start). */
  readonly incidents: readonly Incident[];
  /** Per incident, oldest first. */
  readonly events: ReadonlyMap<number, readonly TimelineEvent[]>;
  readonly overrides: ReadonlyMap<number, readonly ComponentOverride[]>;
  /** Not cancelled, ending inside the window or later; by start. */
  readonly maintenances: readonly Maintenance[];
}

/** Days of history loaded: 90 for the uptime bars, plus slack so the window can move for a week. */
export const SNAPSHOT_DAYS = 97;
const MAX_INCIDENTS = 5000;

const dt = (d: Date): DateTime => DateTime.fromJSDate(d, { zone: 'utc' });
const dtOrNull = (d: Date | null): DateTime | null => (d ? dt(d) : null);

export function toMaintenance(row: MaintenanceRow): Maintenance {
  return {
    id: row.id,
    title: row.title,
    message: row.message,
    components: row.components,
    startsAt: dt(row.starts_at),
    endsAt: dt(row.ends_at),
    completedAt: dtOrNull(row.completed_at),
    cancelledAt: dtOrNull(row.cancelled_at),
    createdBy: row.created_by,
    createdAt: dt(row.created_at),
    updatedAt: dt(row.updated_at),
  };
}

export async function loadSnapshot(db: Kysely<Database>, now: DateTime): Promise<Snapshot> {
  const windowStart = now.toUTC().startOf('day').minus({ days: SNAPSHOT_DAYS });
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const incidents = await readIncidents(trx, windowStart.toJSDate());
      const ids = incidents.map((i) => i.id);
      const [eventRows, overrideRows, maintenanceRows] = await Promise.all([
        ids.length
          ? trx
              .selectFrom('incident_events')
              .selectAll()
              .where('incident_id', '=', sql<number>`any(${ids}::int[])`)
              .orderBy('id', 'asc')
              .execute()
          : [],
        ids.length
          ? trx
              .selectFrom('status_component_overrides')
              .selectAll()
              .where('incident_id', '=', sql<number>`any(${ids}::int[])`)
              .execute()
          : [],
        trx
          .selectFrom('status_maintenances')
          .selectAll()
          .where('cancelled_at', 'is', null)
          .where('ends_at', '>=', windowStart.toJSDate())
          .orderBy('starts_at', 'asc')
          .execute(),
      ]);
      const events = new Map<number, TimelineEvent[]>();
      for (const row of eventRows) {
        const list = events.get(row.incident_id) ?? [];
        list.push(toEvent(row));
        events.set(row.incident_id, list);
      }
      const overrides = new Map<number, ComponentOverride[]>();
      for (const row of overrideRows) {
        const list = overrides.get(row.incident_id) ?? [];
        list.push({
          incidentId: row.incident_id,
          componentId: row.component_id,
          status: row.status as IncidentComponentStatus,
          setBy: row.set_by,
          setAt: dt(row.set_at),
        });
        overrides.set(row.incident_id, list);
      }
      return {
        loadedAt: now,
        windowStart,
        incidents,
        events,
        overrides,
        maintenances: maintenanceRows.map(toMaintenance),
      };
    });
}

async function readIncidents(db: Db, since: Date): Promise<Incident[]> {
  const rows = await db
    .selectFrom('incidents')
    .selectAll()
    .where((eb) =>
      eb.or([eb('status', '<>', 'resolved'), eb('started_at', '>=', since), eb('resolved_at', '>=', since)]),
    )
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(MAX_INCIDENTS)
    .execute();
  return rows.map(toIncident);
}
