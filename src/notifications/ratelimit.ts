import type { DateTime } from 'luxon';

/**
 * Token buckets per key (a channel, or a Slack channel id), on the injected clock. `reserve`
 * never blocks: it answers how long to wait, and the caller defers that one delivery, so a slow
 * channel never holds up the others. Limits are per worker process; with N workers the total is N
 * times the rate (documented in README).
 */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limits: (key: string) => RateLimit | undefined) {}

  /** Takes a token for `key` at `now`; returns 0 when taken, else the milliseconds to wait. */
  reserve(key: string, now: DateTime): number {
    const limit = this.limits(key);
    if (!limit) return 0;
    const t = now.toMillis();
    const b = this.buckets.get(key) ?? { tokens: limit.burst, at: t };
    // A clock set back (NTP, an operator, a test) refills nothing, and takes nothing either.
    b.tokens = Math.min(limit.burst, b.tokens + (Math.max(0, t - b.at) / 1000) * limit.perSecond);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / limit.perSecond) * 1000);
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
