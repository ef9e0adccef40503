import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { DateTime } from 'luxon';
import type { Db } from '../db/schema';

/**
 * The tamper-evident audit trail of notifications: append-only rows, each carrying the SHA-256
 * of its own content and of the previous row's hash. Editing, deleting or reordering any row
 * breaks the chain at that row, which `verifyAudit` (and `herald audit verify`) reports.
 * Appends serialise on a transaction-scoped advisory lock so the chain never forks.
 */
export type AuditKind =
  | 'delivery.planned'
  | 'delivery.skipped'
  | 'delivery.held'
  | 'delivery.attempt'
  | 'delivery.sent'
  | 'delivery.failed'
  | 'delivery.dead'
  | 'delivery.fallback';

export interface AuditEntry {
  at: DateTime;
  kind: AuditKind;
  incidentId: number | null;
  deliveryId: number | null;
  data: Record<string, unknown>;
}

const GENESIS = '0'.repeat(64);
const LOCK_KEY = 0x68657261; // "hera"

/** JSON with object keys sorted at every depth, so the hash does not depend on key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function rowHash(
  prevHash: string,
  row: { at: string; kind: string; incidentId: number | null; deliveryId: number | null; data: unknown },
): string {
  return createHash('sha256')
    .update(prevHash)
    .update(
      canonical({
        at: row.at,
        kind: row.kind,
        incident: row.incidentId,
        delivery: row.deliveryId,
        data: row.data,
      }),
    )
    .digest('hex');
}

/** Appends entries in order; must run inside the caller's transaction. */
export async function appendAudit(trx: Db, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await sql`select pg_advisory_xact_lock(${LOCK_KEY})`.execute(trx);
  const last = await trx
    .selectFrom('audit_log')
    .select('hash')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  let prev = last?.hash ?? GENESIS;
  const rows = entries.map((e) => {
    const at = e.at.toUTC().toJSDate();
    const hash = rowHash(prev, {
      at: at.toISOString(),
      kind: e.kind,
      incidentId: e.incidentId,
      deliveryId: e.deliveryId,
      data: e.data,
    });
    const row = {
      at,
      kind: e.kind,
      incident_id: e.incidentId,
      delivery_id: e.deliveryId,
      data: JSON.stringify(e.data),
      prev_hash: prev,
      hash,
    };
    prev = hash;
    return row;
  });
  await trx.insertInto('audit_log').values(rows).execute();
}

export interface AuditVerdict {
  rows: number;
  /** The first row whose hash or link does not match, with why. */
  brokenAt?: { id: number; problem: string };
}

/** Walks the whole chain in id order, in pages, recomputing every hash. */
export async function verifyAudit(db: Db, pageSize = 5_000): Promise<AuditVerdict> {
  let prev = GENESIS;
  let after = 0;
  let rows = 0;
  for (;;) {
    const page = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('id', '>', after)
      .orderBy('id')
      .limit(pageSize)
      .execute();
    for (const r of page) {
      rows++;
      if (r.prev_hash !== prev)
        return {
          rows,
          brokenAt: {
            id: r.id,
            problem: 'link to the previous row does not match (a row was removed or reordered)',
          },
        };
      const expected = rowHash(prev, {
        at: r.at.toISOString(),
        kind: r.kind,
        incidentId: r.incident_id,
        deliveryId: r.delivery_id,
        data: r.data,
      });
      if (expected !== r.hash)
        return {
          rows,
          brokenAt: { id: r.id, problem: 'content does not match its hash (the row was edited)' },
        };
      prev = r.hash;
      after = r.id;
    }
    if (page.length < pageSize) return { rows };
  }
}
