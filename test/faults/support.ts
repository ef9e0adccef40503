import { sql, type Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../../src/db/schema';
import type { ManualClock } from '../../src/common/clock';

/**
 * Driving Herald through simulated time: wait until the worker has nothing in hand, then move the
 * injected clock to the next due delivery and run the clock-driven work, the way a worker's tick
 * would, without sleeping for the time that passes.
 */

/**
 * Waits until no graphile-worker job is due within `horizonMs` of the database's (real) time
 * (delivery sends, Slack message syncs, including a coalesced sync a moment ahead) and no
 * delivery is mid-send.
 */
export async function idle(db: Kysely<Database>, horizonMs = 0, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const { rows } = await sql<{ jobs: number; sending: number }>`
      select (select count(*)::int from graphile_worker.jobs
               where run_at <= now() + ${horizonMs} * interval '1 millisecond'
                 and attempts < max_attempts) as jobs,
             (select count(*)::int from deliveries where status = 'sending') as sending`.execute(db);
    const r = rows[0]!;
    if (r.jobs === 0 && r.sending === 0) return;
    if (Date.now() > deadline) throw new Error(`worker still busy after ${ms} ms: ${JSON.stringify(r)}`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

/**
 * When the next clock-driven work falls due (injected-clock time), if any: a pending or held
 * delivery, or a Slack incident message waiting out Retry-After.
 */
export async function nextDue(db: Kysely<Database>): Promise<DateTime | undefined> {
  const { rows } = await sql<{ next: Date | null }>`
    select least(
      (select min(next_attempt_at) from deliveries where status in ('pending', 'held')),
      (select min(not_before) from slack_incident_messages)) as next`.execute(db);
  const next = rows[0]?.next;
  return next ? DateTime.fromJSDate(next) : undefined;
}

export interface Drive {
  readonly clock: ManualClock;
  readonly db: Kysely<Database>;
  /** RunningHerald.tick: every module's clock-driven work. */
  readonly tick: () => Promise<void>;
  /** Jobs due within this much real time still count as work in hand (see `idle`). */
  readonly horizonMs?: number;
}

/**
 * Fast-forwards: each round waits for the worker to go idle, moves the clock to the next due
 * delivery plus half a second (a production worker ticks every 500 ms, so work due within that
 * window goes out together) and ticks. Stops when nothing is due before `until`, leaving the
 * clock at `until` (ticked once more), or, without `until`, when nothing is due at all.
 * Returns the number of ticks.
 */
export async function fastForward(d: Drive, until?: DateTime): Promise<number> {
  let ticks = 0;
  for (;;) {
    await idle(d.db, d.horizonMs);
    const next = await nextDue(d.db);
    const at = next ? DateTime.max(d.clock.now(), next.plus({ milliseconds: 500 })) : undefined;
    if (!at || (until && at >= until)) break;
    d.clock.set(at);
    await d.tick();
    if (++ticks > 2_000) throw new Error(`still due after 2,000 ticks (next due ${next?.toISO()})`);
  }
  if (until && until > d.clock.now()) {
    d.clock.set(until);
    await d.tick();
    await idle(d.db, d.horizonMs);
    ticks++;
  }
  return ticks;
}
