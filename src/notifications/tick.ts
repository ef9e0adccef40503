import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Clock } from '../common/clock';
import { appendAudit, sealAudit } from './audit';
import * as repo from './delivery.repository';
import { limitKey } from './ratelimit';
import type { DeliverySender } from './sender';

/**
 * The engine's clock-driven half. New deliveries are sent at once by their job; everything that
 * becomes due later goes through here: retries after backoff, rate-limit deferrals, quiet-hour
 * releases, and claims abandoned by a crashed worker. It runs every `intervalMs` in each worker
 * (concurrent ticks are safe: every send starts with a claim) and tests call `tick()` after
 * moving the clock, so nothing sleeps.
 */
export interface TickResult {
  /** Audit rows chained (sealed) by this tick. */
  sealed: number;
  processed: number;
  released: number;
  skipped: number;
  reclaimed: number;
}

export class DeliveryTicker {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      clock: Clock;
      sender: DeliverySender;
      batch?: number;
      concurrency?: number;
      claimTimeoutMs?: number;
    },
  ) {}

  async tick(): Promise<TickResult> {
    const { db, clock } = this.deps;
    const now = clock.now();
    const reclaimed = await repo.releaseStaleClaims(db, now, this.deps.claimTimeoutMs ?? 60_000);
    const due = await repo.dueDeliveries(db, now, this.deps.batch ?? 500);
    let released = 0;
    let skipped = 0;
    const pending = due.filter((x) => x.status === 'pending');
    for (const d of due.filter((x) => x.status === 'held')) {
      if (await this.release(d.id)) {
        released++;
        pending.push(d); // released: sent in this same tick
      } else skipped++;
    }
    // Most urgent lane first (released deliveries join their lane); batches go from the front.
    pending.sort((a, b) => a.priority - b.priority);
    let next = 0;
    const runner = async (): Promise<void> => {
      while (next < pending.length) {
        const batch = pending.slice(next, (next += repo.SEND_BATCH));
        await this.deps.sender.processMany(
          batch.map((d) => ({ id: d.id, key: limitKey(d.channel, d.address), priority: d.priority })),
        );
      }
    };
    await Promise.all(Array.from({ length: this.deps.concurrency ?? 4 }, runner));
    const sealed = await sealAudit(db);
    return { sealed, processed: due.length, released, skipped, reclaimed };
  }

  /**
   * A held delivery whose quiet hours ended goes out, unless its incident resolved meanwhile and
   * the message is not the resolution itself: waking someone for a finished non-critical incident
   * helps nobody (they still get the resolution if their rules include it).
   */
  private async release(id: number): Promise<boolean> {
    const now = this.deps.clock.now();
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('deliveries as d')
        .leftJoin('incidents as i', 'i.id', 'd.incident_id')
        .leftJoin('incident_events as e', 'e.id', 'd.event_id')
        .select(['d.id', 'd.status', 'd.incident_id', 'i.status as incident_status', 'e.kind as event_kind'])
        .where('d.id', '=', id)
        .forUpdate('d')
        .executeTakeFirst();
      if (!row || row.status !== 'held') return false;
      const stale = row.incident_status === 'resolved' && row.event_kind !== 'resolved';
      await trx
        .updateTable('deliveries')
        .set({
          status: stale ? 'skipped' : 'pending',
          reason: stale ? 'incident resolved during quiet hours' : 'released after quiet hours',
          next_attempt_at: now.toJSDate(),
          updated_at: now.toJSDate(),
        })
        .where('id', '=', id)
        .execute();
      await appendAudit(trx, [
        {
          at: now,
          kind: stale ? 'delivery.skipped' : 'delivery.planned',
          incidentId: row.incident_id,
          deliveryId: id,
          data: { reason: stale ? 'incident resolved during quiet hours' : 'released after quiet hours' },
        },
      ]);
      return !stale;
    });
  }
}
