import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import type { Database, Db } from '../db/schema';

/**
 * The tamper-evident audit trail of notifications: append-only rows, each carrying the SHA-256
 * of its own content and of the previous row's hash. Editing, deleting or reordering any row
 * breaks the chain at that row, which `verifyAudit` (and `herald audit verify`) reports.
 * Rows are appended lock-free on the delivery path and sealed into the chain right after.
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

/**
 * Appends entries inside the caller's transaction. No lock and no hashing here, so the delivery
 * path never serialises on the audit: `sealAudit` chains the rows shortly after they commit.
 */
export async function appendAudit(trx: Db, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await trx
    .insertInto('audit_log')
    .values(
      entries.map((e) => ({
        at: e.at.toUTC().toJSDate(),
        kind: e.kind,
        incident_id: e.incidentId,
        delivery_id: e.deliveryId,
        data: JSON.stringify(e.data),
        seq: null,
        prev_hash: null,
        hash: null,
      })),
    )
    .execute();
}

/**
 * Chains committed, unsealed rows onto the end of the hash chain, oldest first: each gets the
 * next `seq`, the previous row's hash and its own. One sealer at a time (advisory lock); a row
 * that commits late simply gets a later place. Returns how many rows it sealed.
 */
export async function sealAudit(db: Kysely<Database>, batch = 2_000): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const locked = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${LOCK_KEY}) as ok`.execute(
      trx,
    );
    if (!locked.rows[0]?.ok) return 0; // another process is sealing
    const rows = await trx
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', 'is', null)
      .orderBy('id')
      .limit(batch)
      .execute();
    if (rows.length === 0) return 0;
    const last = await trx
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .where('seq', 'is not', null)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    let seq = last?.seq ?? 0;
    let prev = last?.hash ?? GENESIS;
    const ids: number[] = [];
    const seqs: number[] = [];
    const prevs: string[] = [];
    const hashes: string[] = [];
    for (const r of rows) {
      const hash = rowHash(prev, {
        at: r.at.toISOString(),
        kind: r.kind,
        incidentId: r.incident_id,
        deliveryId: r.delivery_id,
        data: r.data,
      });
      ids.push(r.id);
      seqs.push(++seq);
      prevs.push(prev);
      hashes.push(hash);
      prev = hash;
    }
    await sql`update audit_log a set seq = u.seq, prev_hash = u.prev_hash, hash = u.hash
              from unnest(${ids}::bigint[], ${seqs}::bigint[], ${prevs}::text[], ${hashes}::text[]) as u(id, seq, prev_hash, hash)
              where a.id = u.id`.execute(trx);
    return rows.length;
  });
}

export interface AuditVerdict {
  /** Sealed rows checked. */
  rows: number;
  /** Rows not chained yet (written in the last moments); not verifiable until sealed. */
  unsealed: number;
  /** The first row whose hash or link does not match, with why. */
  brokenAt?: { id: number; seq: number; problem: string };
}

/** Walks the chain in `seq` order, in pages, recomputing every hash. */
export async function verifyAudit(db: Db, pageSize = 5_000): Promise<AuditVerdict> {
  let prev = GENESIS;
  let after = 0;
  let rows = 0;
  const pending = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('seq', 'is', null)
    .executeTakeFirstOrThrow();
  const unsealed = Number(pending.n);
  for (;;) {
    const page = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(pageSize)
      .execute();
    for (const r of page) {
      rows++;
      const seq = r.seq as number;
      if (seq !== after + 1 || r.prev_hash !== prev) {
        return {
          rows,
          unsealed,
          brokenAt: {
            id: r.id,
            seq,
            problem: 'the chain is broken before this row (a row was removed or reordered)',
          },
        };
      }
      const expected = rowHash(prev, {
        at: r.at.toISOString(),
        kind: r.kind,
        incidentId: r.incident_id,
        deliveryId: r.delivery_id,
        data: r.data,
      });
      if (expected !== r.hash) {
        return {
          rows,
          unsealed,
          brokenAt: { id: r.id, seq, problem: 'content does not match its hash (the row was edited)' },
        };
      }
      prev = r.hash;
      after = seq;
    }
    if (page.length < pageSize) return { rows, unsealed };
  }
}
