import { sql, type Kysely } from 'kysely';

/*
 * Why: the incident core. Incidents are numbered by an identity column so the public reference
 * INC-<id> is short, gap-tolerant and needs no second sequence. Severity and status are checked
 * in the database as well as in code, so a bug can never store a value the state machine does not
 * know. The timeline (incident_events) is append-only and doubles as the domain event log that
 * notifications, Slack and the status page subscribe to; `changes` holds [{field, from, to}].
 * Frozen: never edit; add a new migration.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('incidents')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('title', 'text', (c) => c.notNull().check(sql`char_length(title) between 1 and 200`))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('severity', 'text', (c) =>
      c.notNull().check(sql`severity in ('critical', 'high', 'medium', 'low', 'info')`),
    )
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('investigating', 'identified', 'monitoring', 'resolved')`),
    )
    .addColumn('services', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('impact', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('root_cause', 'text')
    .addColumn('resolution_steps', 'text')
    .addColumn('commander', 'text')
    .addColumn('acknowledged_by', 'text')
    .addColumn('acknowledged_at', 'timestamptz')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('api'))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('resolved_has_time', sql`(status = 'resolved') = (resolved_at is not null)`)
    .execute();
  await sql`create index incidents_open_idx on incidents (started_at desc) where status <> 'resolved'`.execute(
    db,
  );
  await sql`create index incidents_started_idx on incidents (started_at desc)`.execute(db);

  await db.schema
    .createTable('incident_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`kind in ('declared', 'updated', 'status_changed', 'acknowledged', 'escalated', 'resolved', 'reopened')`,
        ),
    )
    .addColumn('changes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('message', 'text')
    .addColumn('public_message', 'text')
    .execute();
  await sql`create index incident_events_incident_idx on incident_events (incident_id, id)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('incident_events').execute();
  await db.schema.dropTable('incidents').execute();
}
