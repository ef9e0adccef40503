import type { Clock } from '../common/clock';

/**
 * Rate limits on the public subscription forms (`status_page.subscribe_limits`): one token bucket
 * per client address and one for everyone, each refilling `perMinute` a minute, on the injected
 * clock. A request needs a token from both; a refused one takes neither, so a client over its own
 * limit does not use up everyone else's. In memory, per process (like the delivery rate limits):
 * they bound what one process accepts, which is what protects its database and its email quota.
 */
export interface RequestLimitOptions {
  readonly perClientPerMinute: number;
  readonly globalPerMinute: number;
  /** Client buckets kept at most; beyond, full (idle) ones are dropped first. Default 10,000. */
  readonly maxClients?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RequestLimits {
  private readonly clients = new Map<string, Bucket>();
  private readonly everyone: Bucket;
  private readonly maxClients: number;

  constructor(
    private readonly clock: Clock,
    private readonly opts: RequestLimitOptions,
  ) {
    this.everyone = { tokens: opts.globalPerMinute, at: clock.millis() };
    this.maxClients = opts.maxClients ?? 10_000;
  }

  /** Takes a token for `client`; returns 0 when allowed, else the seconds to wait (Retry-After). */
  take(client: string): number {
    const now = this.clock.millis();
    const mine = this.clients.get(client) ?? { tokens: this.opts.perClientPerMinute, at: now };
    refill(mine, now, this.opts.perClientPerMinute);
    refill(this.everyone, now, this.opts.globalPerMinute);
    const wait = Math.max(
      secondsUntilToken(mine, this.opts.perClientPerMinute),
      secondsUntilToken(this.everyone, this.opts.globalPerMinute),
    );
    if (!this.clients.has(client)) this.remember(client, mine);
    if (wait > 0) return wait;
    mine.tokens -= 1;
    this.everyone.tokens -= 1;
    return 0;
  }

  private remember(client: string, bucket: Bucket): void {
    if (this.clients.size >= this.maxClients) {
      const now = this.clock.millis();
      for (const [k, b] of this.clients) {
        refill(b, now, this.opts.perClientPerMinute);
        if (b.tokens >= this.opts.perClientPerMinute) this.clients.delete(k);
      }
      // Still full (many clients all busy): the oldest go; at worst a client gets a fresh bucket.
      for (const k of this.clients.keys()) {
        if (this.clients.size < this.maxClients) break;
        this.clients.delete(k);
      }
    }
    this.clients.set(client, bucket);
  }
}

function refill(b: Bucket, now: number, perMinute: number): void {
  // A clock set back refills nothing, and takes nothing either.
  b.tokens = Math.min(perMinute, b.tokens + (Math.max(0, now - b.at) / 60_000) * perMinute);
  b.at = now;
}

function secondsUntilToken(b: Bucket, perMinute: number): number {
  return b.tokens >= 1 ? 0 : Math.ceil(((1 - b.tokens) / perMinute) * 60);
}
