import { sql, type Kysely } from 'kysely';

/*
 * Why: "public means published". An alert's title carries hostnames, IPs and cluster names, and
 * some incidents (security) must never be public at all, yet every incident used to be shown on
 * the status page, the Statuspage JSON, the feeds and in subscriber mail under its internal
 * title. Incidents now have a `public_title` (what public surfaces show), `published` (with when
 * and by whom: a person publishes an alert's incident, or `status_page.auto_publish` does) and
 * `private` (never public, even when published).
 *
 * Existing rows: incidents people declared stay public under their title; incidents opened by
 * alerts become unpublished with a neutral public title, so nothing an alert wrote stays public.
 * Frozen: never edit; add a new migration.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table incidents
      add column public_title text,
      add column published boolean not null default false,
      add column published_at timestamptz,
      add column published_by text,
      add column private boolean not null default false
  `.execute(db);
  await sql`
    update incidents set
      public_title = case when source = 'alert' then 'Investigating an issue' else title end,
      published = source <> 'alert',
      published_at = case when source = 'alert' then null else created_at end,
      published_by = case when source = 'alert' then null else created_by end
  `.execute(db);
  await sql`alter table incidents alter column public_title set not null`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table incidents
      drop column public_title,
      drop column published,
      drop column published_at,
      drop column published_by,
      drop column private
  `.execute(db);
}
