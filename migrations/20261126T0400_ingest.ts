import { sql, type Kysely } from 'kysely';

/*
 * Why: incidents opened from monitoring alerts. Facts and decisions are kept apart:
 *
 * - `ingest_alerts` is the durable fact of each alert Herald has heard of, one row per
 *   (integration, group, fingerprint), with its current state. Alertmanager re-sends whole groups
 *   every repeat interval, so rows are upserted, not appended; a row names the incident it counts
 *   towards (null while its group has no open incident yet). No foreign key to incidents on
 *   purpose: FK checks take KEY SHARE locks on the incident row, which would make alert inserts
 *   wait on (and risk deadlocking with) IncidentService's FOR UPDATE.
 * - `ingest_groups` maps a group key (Alertmanager groupKey, CloudWatch alarm, generic dedup_key)
 *   to its current incident; its row lock serialises requests for one group across processes. It
 *   also holds a one-minute count of new alerts, summed per service to detect an alert storm. The
 *   open storm incident of a service is a pseudo-group (integration_id '' and group_key
 *   'storm:<service>'), so declaring it races safely like any group.
 * - `ingest_incidents` holds what the alerts say about an incident: firing and total counts,
 *   alerts not yet announced (coalesced in a storm), flapping and the moment every alert cleared.
 *   Incident actions (declare, "N more alerts", resolve) are derived from these counters, so a
 *   crash between the facts and the action is repaired by the periodic sweep.
 * Frozen once landed: never edit; add a new migration.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function up(db: Kysely<any>): Promise<void> {
  const severity = sql`severity in ('critical', 'high', 'medium', 'low', 'info')`;
  await db.schema
    .createTable('ingest_groups')
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('service', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'integer')
    .addColumn('window_started_at', 'timestamptz')
    .addColumn('window_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('ingest_groups_pk', ['integration_id', 'group_key'])
    .execute();
  await sql`create index ingest_groups_service_window_idx on ingest_groups (service, window_started_at)`.execute(
    db,
  );

  await db.schema
    .createTable('ingest_alerts')
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'integer')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('firing', 'resolved')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull().check(severity))
    .addColumn('service', 'text')
    .addColumn('labels', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('url', 'text')
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('fired_at', 'timestamptz', (c) => c.notNull())
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('fire_count', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('ingest_alerts_pk', ['integration_id', 'group_key', 'fingerprint'])
    .execute();
  await sql`create index ingest_alerts_incident_firing_idx on ingest_alerts (incident_id, fired_at desc)
    where status = 'firing'`.execute(db);
  await sql`create index ingest_alerts_unbound_idx on ingest_alerts (integration_id, group_key)
    where status = 'firing' and incident_id is null`.execute(db);

  await db.schema
    .createTable('ingest_incidents')
    .addColumn('incident_id', 'integer', (c) => c.primaryKey().references('incidents.id').onDelete('cascade'))
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('service', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('storm', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('auto_resolve', 'boolean', (c) => c.notNull())
    .addColumn('firing', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pending', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pending_severity', 'text', (c) =>
      c.check(sql`pending_severity in ('critical', 'high', 'medium', 'low', 'info')`),
    )
    .addColumn('last_event_at', 'timestamptz', (c) => c.notNull())
    .addColumn('flapping', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('cleared_at', 'timestamptz')
    .addCheckConstraint('ingest_incidents_counts', sql`firing >= 0 and pending >= 0 and total >= 0`)
    .execute();
  await sql`create index ingest_incidents_attention_idx on ingest_incidents (incident_id)
    where pending > 0 or (flapping and cleared_at is not null) or (firing = 0 and cleared_at is null)`.execute(
    db,
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ingest_incidents').execute();
  await db.schema.dropTable('ingest_alerts').execute();
  await db.schema.dropTable('ingest_groups').execute();
}
