import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Timestamp } from '../db/schema';

/**
 * Tables owned by the notifications module (migration 20261126T0100). `Database` in
 * src/db/schema.ts extends this interface.
 */
export interface NotificationTables {
  deliveries: DeliveriesTable;
  delivery_attempts: DeliveryAttemptsTable;
  audit_log: AuditLogTable;
}

export const DELIVERY_STATUSES = ['pending', 'held', 'sending', 'sent', 'failed', 'dead', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Who a delivery is for: a configured person, or a place (channel, webhook, topic...). */
export type RecipientKind =
  | 'person'
  | 'slack_channel'
  | 'webhook'
  | 'pagerduty'
  | 'sns_topic'
  | 'statuspage'
  | 'console'
  | 'email_address';

export interface DeliveriesTable {
  id: Generated<number>;
  incident_id: number | null;
  event_id: number | null;
  idempotency_key: string;
  recipient_kind: RecipientKind;
  recipient_id: string;
  address: string;
  channel: string;
  audience: string;
  severity: string;
  rule: string | null;
  template: Generated<string>;
  /** Pre-rendered content for templates that are not built from an incident event. */
  content: ColumnType<unknown, string | null, string | null> | null;
  status: DeliveryStatus;
  reason: string | null;
  attempts: Generated<number>;
  max_attempts: number;
  next_attempt_at: Timestamp | null;
  claimed_at: Timestamp | null;
  contact_rank: Generated<number>;
  /** The lane's rank (src/notifications/priority.ts): 0 page … 3 bulk. Migration 20261128T0100. */
  priority: Generated<number>;
  fallback_from: number | null;
  provider_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  sent_at: Timestamp | null;
}

export interface DeliveryAttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  attempt: number;
  started_at: Timestamp;
  duration_ms: number;
  outcome: 'sent' | 'retryable' | 'permanent';
  http_status: number | null;
  provider_id: string | null;
  error: string | null;
  retry_at: Timestamp | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Timestamp;
  kind: string;
  incident_id: number | null;
  delivery_id: number | null;
  data: ColumnType<Record<string, unknown>, string, string>;
  /** Position in the hash chain; null until sealed. */
  seq: number | null;
  prev_hash: string | null;
  hash: string | null;
}

export type DeliveryRow = Selectable<DeliveriesTable>;
export type AttemptRow = Selectable<DeliveryAttemptsTable>;
