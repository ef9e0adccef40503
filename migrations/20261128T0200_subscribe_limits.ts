import { sql, type Kysely } from 'kysely';

/*
 * Why: the per-address limit on confirmation emails (one per 10 minutes per subscriber row) was
 * bypassed by plus-tags: victim+1@, victim+2@ … are distinct rows but one inbox, so a script could
 * mail-bomb anyone through Herald's SES quota. `status_subscriber_confirmations` records each
 * confirmation email sent, by mailbox (the address lower-cased with any "+tag" removed; dots are
 * kept, since only some providers ignore them), so at most
 * `status_page.subscribe_limits.confirmations_per_address_per_day` go to one mailbox in 24 hours.
 * Rows older than a day are deleted as the mailbox is counted; the index serves that count.
 * Frozen: never edit; add a new migration.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('status_subscriber_confirmations')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('mailbox', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`create index status_subscriber_confirmations_mailbox_idx
              on status_subscriber_confirmations (mailbox, sent_at)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('status_subscriber_confirmations').execute();
}
