import { sql, type Kysely } from 'kysely';

/*
 * Why: escalation state lives in the database, one row per incident with a policy, so any worker
 * can advance it and a crash loses nothing. `next_at` is the single due time the escalation tick
 * scans (on the injected clock), next_level/next_round say what fires then; acknowledge and
 * resolve clear it in their own transaction, and the tick re-checks under the incident's row lock,
 * so a level can neither fire twice nor fire after an acknowledgement. `reminder_at` drives the
 * "acknowledged but no update" reminder. `oncall_overrides` holds overrides made at run time
 * (Slack, API) beside the config's. `ack_nonces` makes each signed acknowledge link single-use,
 * and `herald_secrets` keeps the signing key stable across processes and restarts without any
 * setup. Frozen: never edit; add a new migration.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('escalations')
    .addColumn('incident_id', 'integer', (c) => c.primaryKey().references('incidents.id').onDelete('cascade'))
    .addColumn('policy_id', 'text', (c) => c.notNull())
    .addColumn('level', 'integer')
    .addColumn('round', 'integer')
    .addColumn('next_level', 'integer')
    .addColumn('next_round', 'integer')
    .addColumn('next_at', 'timestamptz')
    .addColumn('reminder_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`create index escalations_due_idx on escalations (next_at) where next_at is not null`.execute(db);
  await sql`create index escalations_reminder_idx on escalations (reminder_at) where reminder_at is not null`.execute(
    db,
  );

  await db.schema
    .createTable('oncall_overrides')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('schedule_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('start_at', 'timestamptz', (c) => c.notNull())
    .addColumn('end_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('override_window', sql`end_at > start_at`)
    .execute();
  await sql`create index oncall_overrides_end_idx on oncall_overrides (end_at)`.execute(db);

  await db.schema
    .createTable('ack_nonces')
    .addColumn('nonce', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('herald_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['herald_secrets', 'ack_nonces', 'oncall_overrides', 'escalations'])
    await db.schema.dropTable(t).execute();
}
