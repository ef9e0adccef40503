import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import type { DateTime } from 'luxon';
import { isDatabaseUnavailable } from '../db/connect';
import type { Database } from '../db/schema';
import type { Incident, TimelineEvent } from '../incidents/incident';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { findEvent, findIncident, openPeriod } from '../incidents/incident.repository';
import type { Clock } from '../common/clock';
import type { Logger } from '../common/logger';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { createAckToken } from '../escalation/acklink';
import { appendAudit } from './audit';
import { MAX_SOCKETS } from './channels/failure';
import { PermanentDeliveryError, RetryableDeliveryError, type OutboundMessage } from './channels/types';
import { composeContent, composeIncidentMessage, type ComposeContext } from './compose';
import * as repo from './delivery.repository';
import type { SendItem } from './delivery.repository';
import type { DeliveryMetrics } from './metrics';
import { enqueueDeliveries, type PlannerDeps } from './planner';
import { priorityOfRank } from './priority';
import type { RateLimiter } from './ratelimit';
import type { MessageContent } from './render/content';
import { fallbackFor } from './fallback';
import type { DeliveryRow } from './tables';
import { AttemptRecorder } from './recorder';
import { SendSlots } from './slots';
import { backoffMs, type BackoffPolicy, DEFAULT_BACKOFF } from './timing';

/**
 * Sends one delivery: claim it (one worker wins), render it, call the channel adapter, and record
 * the attempt in one transaction with what follows from it (sent; retry later with backoff or the
 * provider's Retry-After; or give up and fall back to the person's next contact method, else
 * dead). Never swallows: every outcome is a row, an audit entry and a metric.
 */
export interface SenderDeps extends PlannerDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly compose: ComposeContext;
  readonly limiter: RateLimiter;
  readonly metrics: DeliveryMetrics;
  readonly backoff?: BackoffPolicy;
  /** Key for signed acknowledge links in pages (email, SMS); absent = no links. */
  readonly ackSecret?: () => Promise<Buffer>;
  readonly random?: () => number;
}

/**
 * Sends in flight per channel in one process: as many as the adapters keep sockets, so a large
 * fan-out queues here, unclaimed, rather than inside an HTTP agent where the wait would count
 * against the provider's timeout.
 */
const SENDS_PER_CHANNEL = MAX_SOCKETS;

/** Waits for every promise; then throws the first rejection, if any. */
async function settleAll(promises: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** What an incident delivery is rendered from. */
interface RenderSubject {
  readonly incident: Incident;
  readonly event: TimelineEvent;
  /** The incident's open period at the event (bound into acknowledge links). */
  readonly period: number;
}

/** How long an acknowledge link in a page stays valid. */
export const ACK_LINK_HOURS = 24;

type Outcome =
  | { kind: 'sent'; providerId: string | null; httpStatus?: number }
  | { kind: 'retryable'; error: string; retryAfterMs?: number; httpStatus?: number }
  | { kind: 'permanent'; error: string; httpStatus?: number };

export class DeliverySender {
  private readonly recorder: AttemptRecorder;

  constructor(private readonly deps: SenderDeps) {
    this.recorder = new AttemptRecorder(deps.db);
  }

  /** Sends one delivery if it is due and pending (see `processMany`). */
  process(id: number, key?: string): Promise<void> {
    return this.processMany([{ id, key }]);
  }

  /**
   * Sends those of `items` that are due and pending, concurrently. Each item's `key` is its
   * rate-limit bucket (carried in the job), so a deferral costs no read. Items are claimed a group
   * at a time, as many as their channel has free send slots (see SendSlots), with one statement
   * per group. Every claimed delivery is attempted and recorded before this returns; if a claim or
   * a record failed, the first error is thrown once all sends have finished (claims left behind
   * are released after `delivery.claim_timeout_seconds`).
   */
  async processMany(items: readonly SendItem[]): Promise<void> {
    // A delivery this process is already handling (its job and the tick can both hold it) is
    // left to that one: a second hand would only take its rate-limit token or defer it.
    const mine = items.filter((i) => !this.inHand.has(i.id));
    for (const i of mine) this.inHand.add(i.id);
    try {
      await this.reserveAndSend(mine);
    } finally {
      for (const i of mine) this.inHand.delete(i.id);
    }
  }

  private readonly inHand = new Set<number>();

  private async reserveAndSend(items: readonly SendItem[]): Promise<void> {
    const now = this.deps.clock.now();
    const byChannel = new Map<string, SendItem[]>();
    const deferred: { id: number; until: DateTime; key: string }[] = [];
    // Most urgent lane first: its reservations and slots come before the others' (stable sort).
    const ordered = [...items].sort((a, b) => (a.priority ?? 1) - (b.priority ?? 1));
    for (const item of ordered) {
      const lane = priorityOfRank(item.priority);
      const wait = item.key ? this.deps.limiter.reserve(item.key, now, lane, item.id) : 0;
      if (wait > 0) {
        deferred.push({ id: item.id, until: now.plus({ milliseconds: wait }), key: item.key ?? '' });
        this.deps.metrics.deferrals.inc({ channel: item.key?.split(':')[0] ?? '', priority: lane });
        continue;
      }
      const channel = item.key?.split(':')[0] ?? '';
      byChannel.set(channel, [...(byChannel.get(channel) ?? []), item]);
    }
    const stillPending = await repo.defer(this.deps.db, deferred);
    // Read before another hand sent them (a tick's due list is a snapshot): not waiting after all.
    for (const d of deferred) if (!stillPending.has(d.id)) this.deps.limiter.forget(d.key, d.id);
    await settleAll([...byChannel].map(([channel, list]) => this.sendAll(channel, list)));
  }

  private readonly slots = new Map<string, SendSlots>();

  private async sendAll(channel: string, items: readonly SendItem[]): Promise<void> {
    let slots = this.slots.get(channel);
    if (!slots) this.slots.set(channel, (slots = new SendSlots(SENDS_PER_CHANNEL)));
    const sends: Promise<void>[] = [];
    try {
      for (let rest = items; rest.length > 0;) {
        const n = await slots.take(rest.length, rest[0]?.priority ?? 1);
        const part = rest.slice(0, n);
        rest = rest.slice(n);
        let claimed: DeliveryRow[] = [];
        try {
          // Claimed as of now, not as of the job's start: a wait for slots must not age the claim.
          claimed = await repo.claim(
            this.deps.db,
            part.map((i) => i.id),
            this.deps.clock.now(),
          );
        } finally {
          slots.give(n - claimed.length); // not claimed: due later, sent already, or another worker's
          // Their rate-limit tokens go back: a lost claim race must not cost the channel a send.
          const won = new Set(claimed.map((d) => d.id));
          for (const i of part) if (i.key && !won.has(i.id)) this.deps.limiter.refund(i.key);
        }
        for (const d of claimed) sends.push(this.sendClaimed(d).finally(() => slots.give()));
      }
    } finally {
      await settleAll(sends);
    }
  }

  private async sendClaimed(claimed: DeliveryRow): Promise<void> {
    const started = this.deps.clock.now();
    const t0 = performance.now();
    const outcome = await this.attempt(claimed);
    const durationMs = performance.now() - t0;
    this.deps.metrics.providerSeconds.observe({ channel: claimed.channel }, durationMs / 1000);
    await this.record(claimed, outcome, started, durationMs);
  }

  private async attempt(d: DeliveryRow): Promise<Outcome> {
    let message: OutboundMessage;
    try {
      message = await this.render(d);
    } catch (err) {
      // Rendering reads the incident and the ack-link key: a database outage is not the message's
      // fault. Thrown, it leaves the claim to be released and the delivery sent once it is back.
      if (isDatabaseUnavailable(err)) throw err;
      return { kind: 'permanent', error: `could not render: ${(err as Error).message}` };
    }
    try {
      const res = await this.deps.adapters[d.channel as keyof typeof this.deps.adapters].send(message);
      return { kind: 'sent', providerId: res.providerId, httpStatus: res.httpStatus };
    } catch (err) {
      if (err instanceof PermanentDeliveryError)
        return { kind: 'permanent', error: err.message, httpStatus: err.httpStatus };
      if (err instanceof RetryableDeliveryError) {
        return {
          kind: 'retryable',
          error: err.message,
          retryAfterMs: err.retryAfterMs,
          httpStatus: err.httpStatus,
        };
      }
      return { kind: 'retryable', error: err instanceof Error ? err.message : String(err) };
    }
  }

  private async render(d: DeliveryRow): Promise<OutboundMessage> {
    if (d.template === 'slack_blocks') {
      const c = d.content as { subject: string; text: string; blocks: unknown[] };
      return {
        idempotencyKey: d.idempotency_key,
        deliveryId: d.id,
        address: d.address,
        subject: c.subject,
        text: c.text,
        blocks: c.blocks,
      };
    }
    if (d.template !== 'incident')
      return composeContent(d, d.content as MessageContent, this.deps.compose.orgName);
    if (d.incident_id === null || d.event_id === null) throw new Error('incident delivery without incident');
    const { incident, event, period } = await this.incidentAndEvent(d.incident_id, d.event_id);
    const pages = d.recipient_kind === 'person' && incident.status !== 'resolved' && !incident.acknowledgedAt;
    const ackUrl =
      pages && this.deps.ackSecret
        ? `${this.deps.compose.publicUrl}/ack/${createAckToken(await this.deps.ackSecret(), incident.id, d.recipient_id, this.deps.clock.now().plus({ hours: ACK_LINK_HOURS }), period)}`
        : undefined;
    return composeIncidentMessage(d, incident, event, { ...this.deps.compose, ackUrl });
  }

  /**
   * The incident and event a delivery renders (and the open period the event belongs to, for
   * acknowledge links), cached for a second: a fan-out renders the same pair a hundred times
   * within milliseconds. A second is also the staleness a message can have.
   */
  private readonly renderCache = new Map<number, { until: number; value: Promise<RenderSubject> }>();

  private incidentAndEvent(incidentId: number, eventId: number): Promise<RenderSubject> {
    const nowMs = performance.now();
    const hit = this.renderCache.get(eventId);
    if (hit && hit.until > nowMs) return hit.value;
    if (this.renderCache.size > 1000) {
      for (const [k, v] of this.renderCache) if (v.until <= nowMs) this.renderCache.delete(k);
    }
    const value = Promise.all([
      findIncident(this.deps.db, incidentId),
      findEvent(this.deps.db, eventId),
      openPeriod(this.deps.db, incidentId, eventId),
    ]).then(([incident, event, period]) => ({ incident, event, period }));
    this.renderCache.set(eventId, { until: nowMs + 1000, value });
    value.catch(() => this.renderCache.delete(eventId)); // a failed read is not cached
    return value;
  }

  private async record(d: DeliveryRow, o: Outcome, started: DateTime, durationMs: number): Promise<void> {
    const { db, clock } = this.deps;
    const now = clock.now();
    const attempt = d.attempts;
    const retryAt =
      o.kind === 'retryable' && attempt < d.max_attempts
        ? now.plus({
            milliseconds: backoffMs(
              attempt,
              this.deps.backoff ?? DEFAULT_BACKOFF,
              o.retryAfterMs,
              this.deps.random,
            ),
          })
        : null;
    const error = o.kind === 'sent' ? null : o.error.slice(0, 1000);
    const base = {
      id: d.id,
      attempt,
      now,
      row: {
        startedAt: started,
        durationMs,
        outcome: o.kind,
        httpStatus: o.httpStatus ?? null,
        providerId: o.kind === 'sent' ? o.providerId : null,
        error,
        retryAt,
      },
    };
    const data = {
      attempt,
      outcome: o.kind,
      http_status: o.httpStatus ?? null,
      duration_ms: Math.round(durationMs),
    };

    if (o.kind === 'sent') {
      const ok = await this.recorder.record({
        ...base,
        status: 'sent',
        reason: null,
        nextAttemptAt: null,
        providerId: o.providerId,
        sentAt: now,
        audit: { kind: 'delivery.sent', data: { ...data, provider_id: o.providerId } },
      });
      if (ok) this.deps.metrics.deliveries.inc({ channel: d.channel, outcome: 'sent' });
      return;
    }
    if (retryAt) {
      const ok = await this.recorder.record({
        ...base,
        status: 'pending',
        reason: error,
        nextAttemptAt: retryAt,
        providerId: null,
        sentAt: null,
        audit: { kind: 'delivery.attempt', data: { ...data, error, retry_at: retryAt.toISO() } },
      });
      if (ok) this.deps.metrics.deliveries.inc({ channel: d.channel, outcome: 'retry' });
      return;
    }
    // Gave up on this channel: fall back to the person's next contact method, else dead.
    await db.transaction().execute(async (trx) => {
      const why = o.kind === 'permanent' ? o.error : `gave up after ${attempt} attempts: ${o.error}`;
      const fallbacks = await fallbackFor(trx, this.deps, d);
      const status = fallbacks.length ? 'failed' : 'dead';
      const reason = fallbacks.length
        ? `${why}; fell back to ${fallbacks.map((f) => f.channel).join(', ')}`
        : `${why}; no other contact method`;
      const ok = await repo.recordAttempt(trx, {
        ...base,
        status,
        reason,
        nextAttemptAt: null,
        providerId: null,
        sentAt: null,
        audit: { kind: status === 'dead' ? 'delivery.dead' : 'delivery.failed', data: { ...data, reason } },
      });
      if (!ok) return;
      this.deps.metrics.deliveries.inc({ channel: d.channel, outcome: status });
      if (fallbacks.length) {
        const ids = await enqueueDeliveries(trx, this.deps, fallbacks, now);
        await appendAudit(trx, [
          {
            at: now,
            incidentId: d.incident_id,
            deliveryId: d.id,
            kind: 'delivery.fallback',
            data: { from: d.id, to: ids, channels: fallbacks.map((f) => f.channel) },
          },
        ]);
      }
    });
  }
}
