import type { FastifyRequest } from 'fastify';
import type { Clock } from '../common/clock';
import { HeraldError } from '../common/errors';

/** herald.yml `auth_throttle` (camelCased). */
export interface AuthThrottleOptions {
  /** Failed attempts from one address within the window before further attempts get 429. */
  readonly maxFailures: number;
  readonly windowSeconds: number;
}

export const DEFAULT_AUTH_THROTTLE: AuthThrottleOptions = { maxFailures: 20, windowSeconds: 60 };

/** Addresses remembered before expired ones are swept (a scan costs one pass over the map). */
const SWEEP_AT = 10_000;

/**
 * Slows token guessing: an address whose last `maxFailures` failed bearer/basic/hook-token
 * attempts all fall within the window gets 429 with Retry-After on every guarded route until the
 * oldest of them leaves the window, without its token being compared at all. Failures age out;
 * a success clears nothing (neither its own address's failures nor anyone else's), so a client
 * sharing an address with a guesser does not unlock it by logging in.
 *
 * In memory, per process: several web processes each allow `maxFailures`. The address is the
 * socket's peer (fastify's `req.ip`; Herald does not trust X-Forwarded-For), so behind a reverse
 * proxy every client shares the proxy's address: raise the limit there, or throttle at the proxy.
 */
export class AuthThrottle {
  /** Per address: times (epoch ms) of its most recent failures, oldest first, at most maxFailures. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly opts: AuthThrottleOptions,
  ) {}

  /** Throws 429 (RateLimited, with the seconds to wait) while `address` is throttled. */
  check(address: string): void {
    const wait = this.waitMs(address);
    if (wait <= 0) return;
    const seconds = Math.max(1, Math.ceil(wait / 1000));
    throw new HeraldError(
      'RateLimited',
      `too many failed authentication attempts from this address; retry in ${seconds} s`,
      { retryAfterSeconds: seconds },
    );
  }

  /** Records a failed attempt by `address`. */
  fail(address: string): void {
    const now = this.clock.millis();
    const times = this.live(address, now) ?? [];
    times.push(now);
    if (times.length > this.opts.maxFailures) times.shift();
    this.failures.set(address, times);
    if (this.failures.size > SWEEP_AT) this.sweep(now);
  }

  /** Milliseconds until `address` may try again (≤ 0: now). */
  private waitMs(address: string): number {
    const now = this.clock.millis();
    const times = this.live(address, now);
    if (!times || times.length < this.opts.maxFailures) return 0;
    return times[0]! + this.opts.windowSeconds * 1000 - now;
  }

  /** The address's failures still within the window (the entry is dropped when none is). */
  private live(address: string, now: number): number[] | undefined {
    const times = this.failures.get(address);
    if (!times) return undefined;
    const from = now - this.opts.windowSeconds * 1000;
    while (times.length > 0 && times[0]! <= from) times.shift();
    if (times.length === 0) {
      this.failures.delete(address);
      return undefined;
    }
    return times;
  }

  private sweep(now: number): void {
    for (const address of [...this.failures.keys()]) this.live(address, now);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's failed-auth throttle (see AuthThrottle); set by buildServer. */
    authThrottle: AuthThrottle;
  }
}

/** The throttle of the server that received `req`. */
export function throttleOf(req: FastifyRequest): AuthThrottle {
  const throttle = req.server.authThrottle;
  if (!throttle) throw new Error('no auth throttle on this server: build it with buildServer');
  return throttle;
}
