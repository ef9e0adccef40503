import { sql } from 'kysely';
import type { DateTime } from 'luxon';
import type { Db } from '../db/schema';
import type { AttemptRow, DeliveryRow, DeliveryStatus, RecipientKind } from './tables';

/** SQL for deliveries and attempts. Takes `db | trx` first; never opens a transaction. */

export const SEND_TASK = 'delivery.send';

export interface NewDelivery {
  incidentId: number | null;
  eventId: number | null;
  idempotencyKey: string;
  recipientKind: RecipientKind;
  recipientId: string;
  address: string;
  channel: string;
  audience: string;
  severity: string;
  rule: string | null;
  template?: string;
  content?: unknown;
  status: Extract<DeliveryStatus, 'pending' | 'held' | 'skipped'>;
  reason: string | null;
  maxAttempts: number;
  nextAttemptAt: DateTime | null;
  contactRank: number;
  fallbackFrom: number | null;
}

/**
 * Inserts deliveries; a row whose idempotency key exists already is left alone (a retried
 * transaction or a re-run job plans nothing twice). Returns the rows actually inserted.
 */
export async function insertDeliveries(
  db: Db,
  rows: readonly NewDelivery[],
  now: DateTime,
): Promise<DeliveryRow[]> {
  if (rows.length === 0) return [];
  const at = now.toJSDate();
  return db
    .insertInto('deliveries')
    .values(
      rows.map((r) => ({
        incident_id: r.incidentId,
        event_id: r.eventId,
        idempotency_key: r.idempotencyKey,
        recipient_kind: r.recipientKind,
        recipient_id: r.recipientId,
        address: r.address,
        channel: r.channel,
        audience: r.audience,
        severity: r.severity,
        rule: r.rule,
        template: r.template ?? 'incident',
        content: r.content === undefined ? null : JSON.stringify(r.content),
        status: r.status,
        reason: r.reason,
        max_attempts: r.maxAttempts,
        next_attempt_at: r.nextAttemptAt?.toJSDate() ?? null,
        contact_rank: r.contactRank,
        fallback_from: r.fallbackFrom,
        provider_id: null,
        created_at: at,
        updated_at: at,
        sent_at: null,
      })),
    )
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returningAll()
    .execute();
}

/**
 * One graphile-worker job per delivery, in the caller's transaction (the outbox). The payload
 * carries the rate-limit bucket so the worker can decide to defer without reading the row first.
 */
export async function enqueueSendJobs(db: Db, rows: readonly { id: number; key: string }[]): Promise<void> {
  if (rows.length === 0) return;
  // One add_jobs call for the whole batch: about a third of the cost of add_job per row.
  await sql`select count(*) from graphile_worker.add_jobs(array(
              select (${SEND_TASK}, json_build_object('id', u.id, 'key', u.key), null, null, 3, null, null, null)::graphile_worker.job_spec
              from unnest(${rows.map((r) => r.id)}::bigint[], ${rows.map((r) => r.key)}::text[]) as u(id, key)))`.execute(
    db,
  );
}

/**
 * Claims a due pending delivery for one attempt: only one worker can win it, and the attempt
 * number it gets is the one it must record. Undefined when it is not due, not pending, or taken.
 */
export async function claim(db: Db, id: number, now: DateTime): Promise<DeliveryRow | undefined> {
  const at = now.toJSDate();
  return db
    .updateTable('deliveries')
    .set((eb) => ({ status: 'sending', claimed_at: at, attempts: eb('attempts', '+', 1), updated_at: at }))
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', at)]))
    .returningAll()
    .executeTakeFirst();
}

/** Moves a pending delivery's due time without counting an attempt (rate-limit deferral). */
export async function defer(db: Db, id: number, until: DateTime): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({ next_attempt_at: until.toJSDate() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

export interface AttemptRecord {
  deliveryId: number;
  attempt: number;
  startedAt: DateTime;
  durationMs: number;
  outcome: 'sent' | 'retryable' | 'permanent';
  httpStatus: number | null;
  providerId: string | null;
  error: string | null;
  retryAt: DateTime | null;
}

/** Ids of deliveries the tick must look at: held ones whose window ended, due pending ones. */
export async function dueDeliveries(
  db: Db,
  now: DateTime,
  limit: number,
): Promise<Pick<DeliveryRow, 'id' | 'status' | 'channel' | 'address'>[]> {
  return db
    .selectFrom('deliveries')
    .select(['id', 'status', 'channel', 'address'])
    .where('status', 'in', ['pending', 'held'])
    .where('next_attempt_at', '<=', now.toJSDate())
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
}

/** Claims abandoned by a crashed worker go back to pending (the attempt stays counted). */
export async function releaseStaleClaims(db: Db, now: DateTime, olderThanMs: number): Promise<number> {
  const res = await db
    .updateTable('deliveries')
    .set({ status: 'pending', claimed_at: null, next_attempt_at: now.toJSDate() })
    .where('status', '=', 'sending')
    .where('claimed_at', '<', now.minus({ milliseconds: olderThanMs }).toJSDate())
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

export async function deliveriesOf(
  db: Db,
  incidentId: number,
): Promise<{ deliveries: DeliveryRow[]; attempts: AttemptRow[] }> {
  const deliveries = await db
    .selectFrom('deliveries')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('id')
    .execute();
  const attempts = deliveries.length
    ? await db
        .selectFrom('delivery_attempts')
        .selectAll()
        .where(
          'delivery_id',
          'in',
          deliveries.map((d) => d.id),
        )
        .orderBy('id')
        .execute()
    : [];
  return { deliveries, attempts };
}

export interface AttemptOutcome {
  id: number;
  attempt: number;
  status: DeliveryStatus;
  reason: string | null;
  nextAttemptAt: DateTime | null;
  providerId: string | null;
  sentAt: DateTime | null;
  now: DateTime;
  row: Omit<AttemptRecord, 'deliveryId' | 'attempt'>;
  audit: { kind: string; data: Record<string, unknown> };
}

/**
 * Finishes a claimed attempt in ONE statement: the delivery's new state, the attempt row and the
 * audit row, all or nothing, and only for the claimant (status `sending` with this attempt
 * number), so a re-run after a crash can never record a second success. One round trip keeps the
 * hot path of a large fan-out cheap. Returns false when the claim was lost.
 */
export async function recordAttempt(db: Db, o: AttemptOutcome): Promise<boolean> {
  const now = o.now.toJSDate();
  const r = o.row;
  const res = await sql<{ n: number }>`
    with upd as (
      update deliveries set status = ${o.status}, reason = ${o.reason},
        next_attempt_at = ${o.nextAttemptAt?.toJSDate() ?? null}::timestamptz,
        provider_id = ${o.providerId}, sent_at = ${o.sentAt?.toJSDate() ?? null}::timestamptz,
        claimed_at = null, updated_at = ${now}
      where id = ${o.id} and status = 'sending' and attempts = ${o.attempt}
      returning id, incident_id
    ), att as (
      insert into delivery_attempts (delivery_id, attempt, started_at, duration_ms, outcome, http_status, provider_id, error, retry_at)
      select id, ${o.attempt}, ${r.startedAt.toJSDate()}, ${Math.round(r.durationMs)}, ${r.outcome}, ${r.httpStatus}::int,
             ${r.providerId}, ${r.error}, ${r.retryAt?.toJSDate() ?? null}::timestamptz
      from upd returning id
    ), aud as (
      insert into audit_log (at, kind, incident_id, delivery_id, data)
      select ${now}, ${o.audit.kind}, incident_id, id, ${JSON.stringify(o.audit.data)}::jsonb from upd returning id
    )
    select (select count(*) from upd)::int as n`.execute(db);
  return (res.rows[0]?.n ?? 0) === 1;
}
