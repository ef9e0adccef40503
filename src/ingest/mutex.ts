/**
 * One-at-a-time per key, in this process. Requests for one alert group would otherwise queue on
 * the group's row lock inside PostgreSQL, each holding a pooled connection while it waits, and a
 * burst for one group could starve every other group of connections. The row lock still
 * serialises across processes; this only keeps the waiting out of the pool. Not state: a key's
 * entry lives exactly as long as someone holds or waits for it.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous ? previous.then(() => mine) : mine;
    this.tails.set(key, tail);
    try {
      if (previous) await previous;
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys held or waited for (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }
}
