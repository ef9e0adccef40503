import type { ColumnType, Generated } from 'kysely';
import type { Timestamp } from '../db/schema';

/**
 * Tables owned by the ingest module (migration 20261126T0400, which explains each). `Database` in
 * src/db/schema.ts extends this interface. Hot paths use hand-written SQL in ingest.repository.ts;
 * these types keep the rest (tests, sweeps) checked.
 */
export interface IngestTables {
  ingest_groups: IngestGroupsTable;
  ingest_alerts: IngestAlertsTable;
  ingest_incidents: IngestIncidentsTable;
}

export interface IngestGroupsTable {
  integration_id: string;
  group_key: string;
  service: Generated<string>;
  title: string;
  incident_id: number | null;
  window_started_at: Timestamp | null;
  window_count: Generated<number>;
  updated_at: Timestamp;
}

export interface IngestAlertsTable {
  integration_id: string;
  group_key: string;
  fingerprint: string;
  incident_id: number | null;
  status: 'firing' | 'resolved';
  name: string;
  summary: string;
  severity: string;
  service: string | null;
  labels: ColumnType<Record<string, string>, string, string>;
  url: string | null;
  starts_at: Timestamp;
  fired_at: Timestamp;
  resolved_at: Timestamp | null;
  fire_count: Generated<number>;
}

export interface IngestIncidentsTable {
  incident_id: number;
  /** The integration whose alerts opened it; its actor (`alert:<id>`) signs later changes. */
  integration_id: string;
  service: Generated<string>;
  storm: Generated<boolean>;
  auto_resolve: boolean;
  firing: Generated<number>;
  total: Generated<number>;
  pending: Generated<number>;
  pending_severity: string | null;
  last_event_at: Timestamp;
  flapping: Generated<boolean>;
  cleared_at: Timestamp | null;
}
