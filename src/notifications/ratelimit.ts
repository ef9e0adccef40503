import type { DateTime } from 'luxon';
import { BULK_RANK, PRIORITIES, priorityRank, type Priority } from './priority';

/**
 * Token buckets per key (a channel, or a Slack channel id), on the injected clock, served by
 * priority lane. `reserve` never blocks: it answers how long to wait, and the caller defers that
 * one delivery, so a slow channel never holds up the others. Limits are per worker process; with
 * N workers the total is N times the rate (documented in README).
 *
 * Lanes (priority.ts) share a bucket this way:
 * - A deferred delivery above bulk is remembered as waiting (by id, until a little after its due
 *   time). While a more urgent lane waits, a less urgent one may only take a token if one is
 *   left over for each waiting delivery of a higher lane: the tokens that accrue while a page
 *   waits for its retry are the page's.
 * - Bulk always leaves a quarter of the burst for the other lanes: a page arriving in the middle
 *   of a flood of confirmations finds a token at once instead of queueing behind them. Bulk still
 *   gets the channel's whole rate (the bucket hovers at the headroom).
 * - While any higher lane waits, bulk may still take tokens, but never more than `bulkShare` of
 *   those granted since the wait began, so a long run of pages slows bulk without starving it.
 */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

export interface LaneOptions {
  /** Most of a rate-limited channel bulk may take while higher lanes wait (0..1); default 1. */
  readonly bulkShare?: number;
  /** How long after its due time a deferred delivery still counts as waiting; default 2 s. */
  readonly waitingGraceMs?: number;
}

interface Bucket {
  tokens: number;
  at: number;
  /** Deferred deliveries of lanes above bulk not yet served: id → lane rank, until when it counts. */
  readonly waiting: Map<number, { rank: number; until: number }>;
  /** Grants since higher lanes began waiting, and how many of them went to bulk. */
  episode: { grants: number; bulk: number };
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly bulkShare: number;
  private readonly graceMs: number;

  constructor(
    private readonly limits: (key: string) => RateLimit | undefined,
    opts: LaneOptions = {},
  ) {
    this.bulkShare = opts.bulkShare ?? 1;
    this.graceMs = opts.waitingGraceMs ?? 2000;
  }

  /**
   * Takes a token for `key` at `now` for a delivery of `lane`; returns 0 when taken, else the
   * milliseconds to wait. `id` (the delivery) lets a deferral count as waiting for its lane.
   */
  reserve(key: string, now: DateTime, lane: Priority = 'responder', id?: number): number {
    const limit = this.limits(key);
    if (!limit) return 0;
    const t = now.toMillis();
    const b = this.buckets.get(key) ?? {
      tokens: limit.burst,
      at: t,
      waiting: new Map(),
      episode: { grants: 0, bulk: 0 },
    };
    this.buckets.set(key, b);
    // A clock set back (NTP, an operator, a test) refills nothing, and takes nothing either.
    b.tokens = Math.min(limit.burst, b.tokens + (Math.max(0, t - b.at) / 1000) * limit.perSecond);
    b.at = t;
    for (const [wid, w] of b.waiting) if (w.until <= t) b.waiting.delete(wid);
    // An episode lasts while anything above bulk waits here; bulk's share is counted within it.
    const active = b.waiting.size > 0;
    if (!active) b.episode = { grants: 0, bulk: 0 };
    if (id !== undefined) b.waiting.delete(id); // asking again: served now, or deferred anew
    const rank = priorityRank(lane);
    let higher = 0;
    for (const w of b.waiting.values()) if (w.rank < rank) higher++;
    const bulk = rank === BULK_RANK;
    // Tokens this request must leave in the bucket for more urgent work: one per delivery of a
    // higher lane waiting (strict priority; stale ones are forgotten after their grace), or for
    // bulk with nobody waiting, the headroom. Bulk's share while others wait is checked instead.
    const leave = bulk ? (higher > 0 ? 0 : this.headroom(limit)) : higher;
    const withinShare =
      !bulk || higher === 0 || b.episode.bulk + 1 <= this.bulkShare * (b.episode.grants + 1) + 1e-9;
    if (b.tokens >= 1 + leave && withinShare) {
      b.tokens -= 1;
      if (active) {
        b.episode.grants += 1;
        if (bulk) b.episode.bulk += 1;
      }
      return 0;
    }
    const deficit = 1 + leave - b.tokens;
    const wait = Math.ceil(((deficit > 0 ? deficit : 1) / limit.perSecond) * 1000);
    // Bulk waiting holds nobody back (no lane is below it): not remembered, so a flood of
    // deferred confirmations costs no memory or time here.
    if (id !== undefined && !bulk) b.waiting.set(id, { rank, until: t + wait + this.graceMs });
    return wait;
  }

  /** A deferred delivery turned out sent or claimed elsewhere: it is not waiting. */
  forget(key: string, id: number): void {
    this.buckets.get(key)?.waiting.delete(id);
  }

  /**
   * Gives back a token taken for a delivery that was then not sent (another worker had claimed
   * it, or it was no longer due), so a lost claim race does not cost the channel a send.
   */
  refund(key: string): void {
    const limit = this.limits(key);
    const b = this.buckets.get(key);
    if (limit && b) b.tokens = Math.min(limit.burst, b.tokens + 1);
  }

  /**
   * Deliveries above bulk deferred here and still waiting, per channel (the key's first part) and
   * lane: for /metrics (the deliveries table has every lane's backlog).
   */
  waiting(now: DateTime): { channel: string; priority: Priority; n: number }[] {
    const t = now.toMillis();
    const counts = new Map<string, number>();
    for (const [key, b] of this.buckets) {
      const channel = key.split(':')[0] ?? key;
      for (const w of b.waiting.values()) {
        if (w.until <= t) continue;
        const k = `${channel}\u0000${w.rank}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    }
    return [...counts].map(([k, n]) => {
      const [channel = '', rank = '1'] = k.split('\u0000');
      return { channel, priority: PRIORITIES[Number(rank)] ?? 'responder', n };
    });
  }

  /**
   * Tokens of the burst bulk leaves for the other lanes: a quarter of it (none of a burst of 1).
   * Not more: bulk deferred by the rate limit comes back with the tick (every 500 ms), and the
   * bucket must still hold a tick's worth of tokens above the headroom, or bulk would lose rate.
   */
  private headroom(limit: RateLimit): number {
    return Math.min(Math.ceil(limit.burst) - 1, Math.ceil(limit.burst / 4));
  }
}

/** Herald's limits: Slack about one message per second per channel, SES from config. */
export function heraldLimits(sesPerSecond: number): (key: string) => RateLimit | undefined {
  return (key) => {
    if (key === 'email') return { perSecond: sesPerSecond, burst: Math.max(1, Math.floor(sesPerSecond)) };
    if (key.startsWith('slack_channel:')) return { perSecond: 1, burst: 1 };
    if (key.startsWith('slack:')) return { perSecond: 1, burst: 3 };
    return undefined;
  };
}

/** The bucket a delivery draws from. */
export function limitKey(channel: string, address: string): string {
  if (channel === 'slack_channel' || channel === 'slack') return `${channel}:${address}`;
  return channel;
}
