import { sql, type Kysely } from 'kysely';

/*
 * Why: every notification is a row before it is a provider call. `deliveries` is the plan and the
 * state a person reads (pending → sending → sent, or held for quiet hours, skipped when the channel
 * is off, failed when it gave up and a fallback took over, dead when nothing is left to try); the
 * worker's job is only the engine. `idempotency_key` (incident, event, recipient, channel) is
 * unique so a retried transaction or re-run job can never plan or record a delivery twice, and it
 * is what providers that accept a key receive. `next_attempt_at` is the one due-time the worker's
 * tick scans (quiet-hour release, backoff, rate-limit deferral, abandoned claims), so retries
 * follow the injected clock rather than the database's. `audit_log` is append-only and
 * hash-chained (each row's hash covers its content and the previous row's hash) so that an edited
 * or deleted row is detectable by `herald audit verify`. Rows are written without the chain (no
 * global lock on the delivery path) and sealed shortly after, in batches, by one sealer at a time
 * that gives each its place (`seq`) and hashes; a gap in `seq` is a deleted row.
 * Frozen: never edit; add a new migration.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deliveries')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('incident_id', 'integer', (c) => c.references('incidents.id').onDelete('cascade'))
    .addColumn('event_id', 'bigint', (c) => c.references('incident_events.id').onDelete('cascade'))
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('recipient_kind', 'text', (c) => c.notNull())
    .addColumn('recipient_id', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('rule', 'text')
    .addColumn('template', 'text', (c) => c.notNull().defaultTo('incident'))
    .addColumn('content', 'jsonb')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'held', 'sending', 'sent', 'failed', 'dead', 'skipped')`),
    )
    .addColumn('reason', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('contact_rank', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('fallback_from', 'bigint', (c) => c.references('deliveries.id').onDelete('set null'))
    .addColumn('provider_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await sql`create index deliveries_due_idx on deliveries (next_attempt_at) where status in ('pending', 'held', 'sending')`.execute(
    db,
  );
  await sql`create index deliveries_incident_idx on deliveries (incident_id, id)`.execute(db);
  await sql`create index deliveries_created_idx on deliveries (created_at)`.execute(db);

  await db.schema
    .createTable('delivery_attempts')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('delivery_id', 'bigint', (c) => c.notNull().references('deliveries.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) =>
      c.notNull().check(sql`outcome in ('sent', 'retryable', 'permanent')`),
    )
    .addColumn('http_status', 'integer')
    .addColumn('provider_id', 'text')
    .addColumn('error', 'text')
    .addColumn('retry_at', 'timestamptz')
    .addUniqueConstraint('delivery_attempts_once', ['delivery_id', 'attempt'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'integer')
    .addColumn('delivery_id', 'bigint')
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.unique())
    .addColumn('prev_hash', 'text')
    .addColumn('hash', 'text')
    .execute();
  await sql`create index audit_log_delivery_idx on audit_log (delivery_id)`.execute(db);
  await sql`create index audit_log_unsealed_idx on audit_log (id) where seq is null`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_log').execute();
  await db.schema.dropTable('delivery_attempts').execute();
  await db.schema.dropTable('deliveries').execute();
}
