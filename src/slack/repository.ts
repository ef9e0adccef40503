import type { DateTime } from 'luxon';
import type { Db } from '../db/schema';

/** SQL for the slack module's own tables. Takes `db | trx` first; never opens a transaction. */

export interface MessageRow {
  readonly incidentId: number;
  readonly channel: string;
  readonly ts: string | null;
  readonly renderedVersion: number | null;
  readonly notBefore: Date | null;
}

export interface PendingLine {
  readonly id: number;
  readonly text: string;
}

/** Records the thread line of one timeline event (inside the incident's transaction). */
export async function insertThreadLine(
  db: Db,
  line: { incidentId: number; eventId: number | null; text: string; at: DateTime },
): Promise<void> {
  await db
    .insertInto('slack_thread_lines')
    .values({
      incident_id: line.incidentId,
      event_id: line.eventId,
      text: line.text,
      posted_ts: null,
      created_at: line.at.toJSDate(),
    })
    .onConflict((oc) => oc.column('event_id').doNothing())
    .execute();
}

/** The incident's message row, created (not yet posted) on first use in `channel`. */
export async function messageRow(
  db: Db,
  incidentId: number,
  channel: string,
  now: DateTime,
): Promise<MessageRow> {
  await db
    .insertInto('slack_incident_messages')
    .values({
      incident_id: incidentId,
      channel,
      ts: null,
      rendered_version: null,
      not_before: null,
      created_at: now.toJSDate(),
      updated_at: now.toJSDate(),
    })
    .onConflict((oc) => oc.column('incident_id').doNothing())
    .execute();
  const row = await db
    .selectFrom('slack_incident_messages')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .executeTakeFirstOrThrow();
  return {
    incidentId: row.incident_id,
    channel: row.channel,
    ts: row.ts,
    renderedVersion: row.rendered_version,
    notBefore: row.not_before,
  };
}

/** Where the incident's message is, if it has been posted (App Home and status lines link to it). */
export async function findMessage(
  db: Db,
  incidentId: number,
): Promise<{ channel: string; ts: string } | null> {
  const row = await db
    .selectFrom('slack_incident_messages')
    .select(['channel', 'ts'])
    .where('incident_id', '=', incidentId)
    .executeTakeFirst();
  return row?.ts ? { channel: row.channel, ts: row.ts } : null;
}

export async function recordRendered(
  db: Db,
  incidentId: number,
  patch: { ts: string; version: number },
  now: DateTime,
): Promise<void> {
  await db
    .updateTable('slack_incident_messages')
    .set({ ts: patch.ts, rendered_version: patch.version, not_before: null, updated_at: now.toJSDate() })
    .where('incident_id', '=', incidentId)
    .execute();
}

/** Slack asked to wait until `at` (injected clock) before this message's next call. */
export async function recordNotBefore(db: Db, incidentId: number, at: DateTime): Promise<void> {
  await db
    .updateTable('slack_incident_messages')
    .set({ not_before: at.toJSDate(), updated_at: at.toJSDate() })
    .where('incident_id', '=', incidentId)
    .execute();
}

/**
 * Messages whose wait ended by `now`: clears the wait and returns them, so the caller enqueues
 * their sync in the same transaction (a concurrent tick gets none of them).
 */
export async function releaseDueWaits(
  db: Db,
  now: DateTime,
): Promise<{ incidentId: number; channel: string }[]> {
  const rows = await db
    .updateTable('slack_incident_messages')
    .set({ not_before: null, updated_at: now.toJSDate() })
    .where('not_before', '<=', now.toJSDate())
    .returning(['incident_id', 'channel'])
    .execute();
  return rows.map((r) => ({ incidentId: r.incident_id, channel: r.channel }));
}

export async function pendingLines(db: Db, incidentId: number): Promise<PendingLine[]> {
  return db
    .selectFrom('slack_thread_lines')
    .select(['id', 'text'])
    .where('incident_id', '=', incidentId)
    .where('posted_ts', 'is', null)
    .orderBy('id', 'asc')
    .execute();
}

export async function markLinePosted(db: Db, id: number, ts: string): Promise<void> {
  await db.updateTable('slack_thread_lines').set({ posted_ts: ts }).where('id', '=', id).execute();
}
