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
  /** The lane's rank (see priority.ts). */
  priority: number;
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
        priority: r.priority,
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

/** Deliveries per send job: one claim and a handful of record statements serve them all. */
export const SEND_BATCH = 25;

export interface SendItem {
  readonly id: number;
  /** The rate-limit bucket, carried so the worker can defer without reading the row first. */
  readonly key?: string;
  /** The lane's rank (see priority.ts); absent in jobs queued before lanes: `responder`. */
  readonly priority?: number;
}

/**
 * Send jobs for pending deliveries, in the caller's transaction (the outbox): one job per
 * SEND_BATCH deliveries of one lane, each claimed with one statement and sent concurrently. A
 * large fan-out costs a few jobs instead of one per delivery, and a small one still goes out in
 * one job. The lane's rank is the job's graphile-worker priority (lower runs first), so a page's
 * job is taken before a backlog of bulk jobs queued earlier.
 */
export async function enqueueSendJobs(db: Db, rows: readonly SendItem[]): Promise<void> {
  if (rows.length === 0) return;
  const lanes = new Map<number, SendItem[]>();
  for (const r of rows) lanes.set(r.priority ?? 1, [...(lanes.get(r.priority ?? 1) ?? []), r]);
  const payloads: string[] = [];
  const priorities: number[] = [];
  for (const [priority, items] of lanes) {
    for (let i = 0; i < items.length; i += SEND_BATCH) {
      payloads.push(JSON.stringify({ deliveries: items.slice(i, i + SEND_BATCH) }));
      priorities.push(priority);
    }
  }
  // One add_jobs call for the whole fan-out.
  await sql`select count(*) from graphile_worker.add_jobs(array(
              select (${SEND_TASK}, j.p::json, null, null, 3, null, j.priority, null)::graphile_worker.job_spec
              from unnest(${payloads}::text[], ${priorities}::int[]) as j(p, priority)))`.execute(db);
}

/**
 * Claims due pending deliveries for one attempt each: only one worker can win a delivery, and the
 * attempt number it gets is the one it must record. Deliveries not due, not pending or taken by
 * another worker are simply not returned.
 */
export async function claim(db: Db, ids: readonly number[], now: DateTime): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  const at = now.toJSDate();
  return db
    .updateTable('deliveries')
    .set((eb) => ({ status: 'sending', claimed_at: at, attempts: eb('attempts', '+', 1), updated_at: at }))
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', at)]))
    .returningAll()
    .execute();
}

/**
 * Moves pending deliveries' due times later without counting an attempt (rate-limit deferral).
 * Never earlier: a job and a tick may both hold the same delivery, and the one deferring it may
 * come after the other recorded a retry, whose time (backoff or Retry-After) must stand. Returns
 * the ids that are still pending (deferred now or already later); the others were sent or
 * claimed meanwhile, and are not waiting for anything.
 */
export async function defer(db: Db, items: readonly { id: number; until: DateTime }[]): Promise<Set<number>> {
  if (items.length === 0) return new Set();
  const res = await sql<{ id: string | number }>`
    with u as (
      update deliveries d set next_attempt_at = u.until
      from unnest(${items.map((i) => i.id)}::bigint[], ${items.map((i) => i.until.toJSDate())}::timestamptz[]) as u(id, until)
      where d.id = u.id and d.status = 'pending'
        and (d.next_attempt_at is null or d.next_attempt_at < u.until)
    )
    select id from deliveries where id = any(${items.map((i) => i.id)}::bigint[]) and status = 'pending'`.execute(
    db,
  );
  return new Set(res.rows.map((r) => Number(r.id)));
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

/**
 * Ids of deliveries the tick must look at: held ones whose window ended, due pending ones; the
 * most urgent lane first, then the longest due, so a backlog of bulk never crowds a page out of
 * the tick's batch.
 */
export async function dueDeliveries(
  db: Db,
  now: DateTime,
  limit: number,
): Promise<Pick<DeliveryRow, 'id' | 'status' | 'channel' | 'address' | 'priority'>[]> {
  return db
    .selectFrom('deliveries')
    .select(['id', 'status', 'channel', 'address', 'priority'])
    .where('status', 'in', ['pending', 'held'])
    .where('next_attempt_at', '<=', now.toJSDate())
    .orderBy('priority')
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
 * Finishes claimed attempts in ONE statement: each delivery's new state, its attempt row and its
 * audit row, all or nothing, and only for the claimant (status `sending` with this attempt
 * number), so a re-run after a crash can never record a second success. A fan-out's outcomes are
 * recorded a batch at a time (see AttemptRecorder). Returns the ids whose claim still held.
 */
export async function recordAttempts(db: Db, outcomes: readonly AttemptOutcome[]): Promise<Set<number>> {
  if (outcomes.length === 0) return new Set();
  const rows = outcomes.map((o) => ({
    id: o.id,
    attempt: o.attempt,
    at: o.now.toJSDate(),
    status: o.status,
    reason: o.reason,
    next_attempt_at: o.nextAttemptAt?.toJSDate() ?? null,
    provider_id: o.providerId,
    sent_at: o.sentAt?.toJSDate() ?? null,
    started_at: o.row.startedAt.toJSDate(),
    duration_ms: Math.round(o.row.durationMs),
    outcome: o.row.outcome,
    http_status: o.row.httpStatus,
    attempt_provider_id: o.row.providerId,
    error: o.row.error,
    retry_at: o.row.retryAt?.toJSDate() ?? null,
    audit_kind: o.audit.kind,
    audit_data: o.audit.data,
  }));
  const res = await sql<{ id: number }>`
    with v as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(
        id bigint, attempt int, at timestamptz, status text, reason text, next_attempt_at timestamptz,
        provider_id text, sent_at timestamptz, started_at timestamptz, duration_ms int, outcome text,
        http_status int, attempt_provider_id text, error text, retry_at timestamptz, audit_kind text,
        audit_data jsonb)
    ), upd as (
      update deliveries d set status = v.status, reason = v.reason, next_attempt_at = v.next_attempt_at,
        provider_id = v.provider_id, sent_at = v.sent_at, claimed_at = null, updated_at = v.at
      from v
      where d.id = v.id and d.status = 'sending' and d.attempts = v.attempt
      returning d.id, d.incident_id
    ), att as (
      insert into delivery_attempts (delivery_id, attempt, started_at, duration_ms, outcome, http_status, provider_id, error, retry_at)
      select v.id, v.attempt, v.started_at, v.duration_ms, v.outcome, v.http_status, v.attempt_provider_id, v.error, v.retry_at
      from upd join v on v.id = upd.id returning id
    ), aud as (
      insert into audit_log (at, kind, incident_id, delivery_id, data)
      select v.at, v.audit_kind, upd.incident_id, upd.id, v.audit_data from upd join v on v.id = upd.id returning id
    )
    select id from upd`.execute(db);
  return new Set(res.rows.map((r) => Number(r.id)));
}

/** `recordAttempts` for one outcome: true when the claim still held. */
export async function recordAttempt(db: Db, o: AttemptOutcome): Promise<boolean> {
  return (await recordAttempts(db, [o])).has(o.id);
}
