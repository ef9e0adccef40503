import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Timestamp } from '../db/schema';

/**
 * Tables owned by the statuspage module, as Kysely sees them. `Database` in src/db/schema.ts extends
 * this interface; migrations/20261126T0300_statuspage.ts creates them. Incidents themselves are
 * read-only here: the module never writes `incidents` or `incident_events`.
 */
export interface StatusPageTables {
  status_component_overrides: ComponentOverridesTable;
  status_maintenances: MaintenancesTable;
  status_subscribers: SubscribersTable;
  status_subscriber_confirmations: SubscriberConfirmationsTable;
  status_settings: SettingsTable;
}

/**
 * One confirmation email sent, by mailbox (lower-cased, "+tag" removed): the per-mailbox daily
 * cap counts these (migration 20261128T0200).
 */
export interface SubscriberConfirmationsTable {
  id: Generated<number>;
  mailbox: string;
  sent_at: Timestamp;
}

/**
 * A component status set explicitly for one incident (`PUT /api/v1/incidents/{ref}/components`),
 * winning over the status derived from the incident's severity while the incident is open.
 */
export interface ComponentOverridesTable {
  incident_id: number;
  component_id: string;
  status: string;
  set_by: string;
  set_at: Timestamp;
}

export interface MaintenancesTable {
  id: Generated<number>;
  title: string;
  message: string;
  components: ColumnType<string[], string[], string[]>;
  starts_at: Timestamp;
  ends_at: Timestamp;
  /** Set when someone ends the window early ("complete"); the window's own end needs no row change. */
  completed_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SubscribersTable {
  id: Generated<number>;
  /** As typed (trimmed); uniqueness is on lower(email). */
  email: string;
  status: string;
  /** SHA-256 (hex) of the pending confirmation token; the token itself is only ever in the email. */
  confirm_token_hash: string | null;
  confirm_expires_at: Timestamp | null;
  created_at: Timestamp;
  confirmed_at: Timestamp | null;
  unsubscribed_at: Timestamp | null;
  updated_at: Timestamp;
}

/** One row: the key that signs unsubscribe links (HMAC), created by the migration. */
export interface SettingsTable {
  singleton: Generated<boolean>;
  signing_key: string;
}

export type MaintenanceRow = Selectable<MaintenancesTable>;
export type SubscriberRow = Selectable<SubscribersTable>;
export type ComponentOverrideRow = Selectable<ComponentOverridesTable>;
