import { sql, type Kysely } from 'kysely';

/*
 * Why: a 429's Retry-After for an incident message is now waited out on Herald's clock: the sync
 * job records it in `slack_incident_messages.not_before`, and every worker's Slack tick (twice a
 * second) releases the messages whose wait is over. This partial index keeps that scan to the few
 * messages waiting, however many incidents the table holds (as escalations_due_idx does for
 * escalations). Frozen: never edit; add a new migration.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index slack_incident_messages_wait_idx on slack_incident_messages (not_before) where not_before is not null`.execute(
    db,
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index slack_incident_messages_wait_idx`.execute(db);
}
