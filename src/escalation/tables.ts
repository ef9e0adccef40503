import type { Generated } from 'kysely';
import type { Timestamp } from '../db/schema';

/**
 * Tables owned by the escalation module (migration 20261126T0500). `Database` in
 * src/db/schema.ts extends this interface.
 */
export interface EscalationTables {
  escalations: EscalationsTable;
  oncall_overrides: OncallOverridesTable;
  ack_nonces: AckNoncesTable;
  herald_secrets: HeraldSecretsTable;
}

export interface EscalationsTable {
  incident_id: number;
  policy_id: string;
  /** The level and round last paged (null before level 0 fires when it has a delay). */
  level: number | null;
  round: number | null;
  next_level: number | null;
  next_round: number | null;
  /** When the next step fires; null once acknowledged, resolved or exhausted. */
  next_at: Timestamp | null;
  reminder_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface OncallOverridesTable {
  id: Generated<number>;
  schedule_id: string;
  person_id: string;
  start_at: Timestamp;
  end_at: Timestamp;
  created_by: string;
  created_at: Timestamp;
}

export interface AckNoncesTable {
  nonce: string;
  incident_id: number;
  person_id: string;
  used_at: Timestamp;
}

export interface HeraldSecretsTable {
  name: string;
  value: string;
  created_at: Generated<Date>;
}
