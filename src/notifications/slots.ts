import { BULK_RANK } from './priority';

/**
 * Sends in flight to one channel from this process, at most `size`. `take(n)` waits for at least
 * one free slot and then takes as many as are free, up to n, at once: a send job claims exactly
 * as many deliveries as it can send right now, so a delivery is never claimed only to wait behind
 * a busy provider (where its claim could go stale), and a job never holds slots it is not using
 * (taking one slot at a time for a whole batch could leave every job holding part of what it
 * needs, and none sending). Semaphore libraries acquire one or a fixed n; neither fits.
 *
 * Lanes (priority.ts): waiters are served most urgent lane first (in arrival order within a lane),
 * and bulk never takes the last `reserved` slots, so a page never waits for a slot behind a
 * flood of confirmations already in flight.
 */
export class SendSlots {
  private free: number;
  private readonly waiting: { rank: number; seq: number; wake: () => void }[] = [];
  private seq = 0;
  /** Slots only lanes above bulk may take. */
  readonly reserved: number;

  constructor(readonly size: number) {
    this.free = size;
    this.reserved = size > 1 ? Math.max(1, Math.floor(size / 8)) : 0;
  }

  /** Slots a request of lane `rank` may take now. */
  private available(rank: number): number {
    return rank === BULK_RANK ? Math.max(0, this.free - this.reserved) : this.free;
  }

  async take(max: number, rank = 1): Promise<number> {
    while (this.available(rank) === 0 || this.waiting.some((w) => w.rank < rank)) {
      await new Promise<void>((resolve) => {
        this.waiting.push({ rank, seq: this.seq++, wake: resolve });
        this.waiting.sort((a, b) => a.rank - b.rank || a.seq - b.seq);
      });
    }
    const n = Math.min(max, this.available(rank));
    this.free -= n;
    return n;
  }

  give(n = 1): void {
    this.free += n;
    // Wake the most urgent waiters that can be served; each takes what is free when it runs.
    let left = this.free;
    while (left > 0 && this.waiting.length > 0) {
      const next = this.waiting[0];
      if (!next || (next.rank === BULK_RANK && left <= this.reserved)) break;
      this.waiting.shift();
      left -= 1;
      next.wake();
    }
  }
}
