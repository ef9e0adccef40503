import { sql, type Kysely } from 'kysely';

/*
 * Why: one flood of status-page subscriptions (1,000 confirmation emails) made a critical page's
 * email wait 45 s behind them for the shared SES rate limit. Every delivery now carries a priority
 * lane, served in order by the job queue, the tick's due scan, send slots and rate limits:
 * 0 page, 1 responder, 2 stakeholder, 3 bulk (src/notifications/priority.ts). The column defaults
 * to 1 (responder) so a row written by an older process during a rolling deploy is neither
 * starved nor allowed to jump ahead of pages. Existing rows are backfilled with the same rules
 * the planner now applies (derivePriority): subscriber email and digests bulk, escalation levels
 * and critical/high responder notifications page, non-technical people and the status page
 * stakeholder. Only rows whose lane differs from the default are rewritten. No new index: the due
 * scan still uses deliveries_due_idx and sorts the (few) due rows by lane; another index on
 * the hottest table would cost every status change a write. Frozen: never edit; add a new migration.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table deliveries add column priority smallint not null default 1
              constraint deliveries_priority_check check (priority between 0 and 3)`.execute(db);
  await sql`
    update deliveries d set priority = c.lane
    from (
      select id, case
        when recipient_kind = 'email_address' or rule = 'executive-digest' then 3
        when rule like 'escalation:%' then 0
        when recipient_kind = 'statuspage' or (recipient_kind = 'person' and audience <> 'technical') then 2
        when recipient_kind in ('person', 'pagerduty') and severity in ('critical', 'high') then 0
        else 1
      end as lane
      from deliveries
    ) c
    where d.id = c.id and c.lane <> 1`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any>
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table deliveries drop column priority`.execute(db);
}
