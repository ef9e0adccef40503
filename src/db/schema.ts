import type { ColumnType, Generated, Insertable, Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { EscalationTables } from '../escalation/tables';
import type { IngestTables } from '../ingest/tables';
import type { NotificationTables } from '../notifications/tables';
import type { SlackTables } from '../slack/tables';
import type { StatusPageTables } from '../statuspage/tables';

/**
 * The database as Kysely sees it. Each domain owns its tables (docs/ARCHITECTURE.md); they are listed
 * here together because Kysely needs one interface. Timestamps are `timestamptz` and come back as
 * `Date`; repositories convert them to luxon at the boundary.
 */
export interface Database
  extends CoreTables, NotificationTables, SlackTables, StatusPageTables, IngestTables, EscalationTables {}

export interface CoreTables {
  incidents: IncidentsTable;
  incident_events: IncidentEventsTable;
}

/** timestamptz: read as Date, written as Date or ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface IncidentsTable {
  id: Generated<number>;
  title: string;
  description: string;
  severity: string;
  status: string;
  services: ColumnType<string[], string[], string[]>;
  impact: string;
  root_cause: string | null;
  resolution_steps: string | null;
  commander: string | null;
  acknowledged_by: string | null;
  acknowledged_at: Timestamp | null;
  started_at: Timestamp;
  resolved_at: Timestamp | null;
  created_by: string;
  source: string;
  /** What public surfaces show instead of `title` (migration 20261128T0400). */
  public_title: string;
  published: Generated<boolean>;
  published_at: Timestamp | null;
  published_by: string | null;
  private: Generated<boolean>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IncidentEventsTable {
  id: Generated<number>;
  incident_id: number;
  at: Timestamp;
  actor: string;
  kind: string;
  changes: ColumnType<FieldChange[], string, string>;
  message: string | null;
  public_message: string | null;
}

/** One field of an incident changed by an event; values are rendered as text for the timeline. */
export interface FieldChange {
  field: string;
  from: string | null;
  to: string | null;
}

export type IncidentRow = Selectable<IncidentsTable>;
export type NewIncidentRow = Insertable<IncidentsTable>;
export type IncidentPatch = Updateable<IncidentsTable>;
export type IncidentEventRow = Selectable<IncidentEventsTable>;

/** Repositories take either the pool-backed instance or a transaction. */
export type Db = Kysely<Database> | Transaction<Database>;
export type Trx = Transaction<Database>;
