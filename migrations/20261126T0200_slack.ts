import { sql, type Kysely } from 'kysely';

/*
 * Why: the Slack module keeps one live message per incident in the incidents channel and edits it
 * on every change. Slack identifies a message by (channel, ts), which only exists once posted, so
 * it is stored here; `rendered_version` lets a repeated sync job skip an edit that would change
 * nothing, and `not_before` remembers a 429's Retry-After across job runs.
 * Thread lines are rows (one per timeline event, unique on the event) rather than job payloads:
 * edits are coalesced into one keyed job per incident, and a replaced job must not take a line
 * with it. Both tables cascade with their incident.
 * Frozen once landed: never edit; add a new migration.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('slack_incident_messages')
    .addColumn('incident_id', 'integer', (c) => c.primaryKey().references('incidents.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('ts', 'text')
    .addColumn('rendered_version', 'integer')
    .addColumn('not_before', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('slack_thread_lines')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    // null for notes that are not timeline events (escalation reminders)
    .addColumn('event_id', 'bigint', (c) => c.unique().references('incident_events.id').onDelete('cascade'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('posted_ts', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`create index slack_thread_lines_pending_idx on slack_thread_lines (incident_id, id) where posted_ts is null`.execute(
    db,
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('slack_thread_lines').execute();
  await db.schema.dropTable('slack_incident_messages').execute();
}
