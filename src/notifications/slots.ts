/**
 * Sends in flight to one channel from this process, at most `size`. `take(n)` waits for at least
 * one free slot and then takes as many as are free, up to n, at once: a send job claims exactly
 * as many deliveries as it can send right now, so a delivery is never claimed only to wait behind
 * a busy provider (where its claim could go stale), and a job never holds slots it is not using
 * (taking one slot at a time for a whole batch could leave every job holding part of what it
 * needs, and none sending). Semaphore libraries acquire one or a fixed n; neither fits.
 */
export class SendSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  async take(max: number): Promise<number> {
    while (this.free === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    const n = Math.min(max, this.free);
    this.free -= n;
    return n;
  }

  give(n = 1): void {
    this.free += n;
    while (this.free > 0 && this.waiting.length > 0) this.waiting.shift()?.();
  }
}
