import type { Generated } from 'kysely';
import type { Timestamp } from '../db/schema';

/**
 * Tables owned by the slack module, as Kysely sees them. `Database` in src/db/schema.ts extends
 * this interface; migrations/20261126T0200_slack.ts creates them.
 */
export interface SlackTables {
  slack_incident_messages: SlackIncidentMessagesTable;
  slack_thread_lines: SlackThreadLinesTable;
}

/**
 * Where each incident's live message is (channel + ts, once posted) and which incident version it
 * shows, so a re-run of the sync job after a crash or a coalesced duplicate skips a useless
 * chat.update. `not_before` holds Slack's Retry-After after a 429 (injected clock); the module's
 * tick clears it and enqueues the sync once it has passed.
 */
export interface SlackIncidentMessagesTable {
  incident_id: number;
  channel: string;
  ts: string | null;
  rendered_version: number | null;
  not_before: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/**
 * One thread line per timeline event, written in the incident's transaction and posted by the
 * sync job (`posted_ts` set once Slack accepted it). Rows, not job payloads, so coalescing jobs
 * never loses a line.
 */
export interface SlackThreadLinesTable {
  id: Generated<number>;
  incident_id: number;
  event_id: number | null;
  text: string;
  posted_ts: string | null;
  created_at: Timestamp;
}
