import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { recordAttempts, type AttemptOutcome } from './delivery.repository';

/**
 * Group commit for attempt outcomes. An outcome is written at once when no write is in flight;
 * outcomes that arrive meanwhile wait and go together in the next statement. A lone delivery is
 * recorded as soon as it finishes, and a fan-out of hundreds costs a handful of statements
 * instead of one each. `record` resolves only once its row is committed (or rejects with the
 * write's error), so a caller never reports an outcome that is not durable.
 */
const MAX_PER_STATEMENT = 500;

interface Waiting {
  readonly outcome: AttemptOutcome;
  readonly resolve: (claimHeld: boolean) => void;
  readonly reject: (err: unknown) => void;
}

export class AttemptRecorder {
  private queue: Waiting[] = [];
  private writing = false;

  constructor(private readonly db: Kysely<Database>) {}

  /** Resolves true when recorded, false when the claim was lost (another worker took over). */
  record(outcome: AttemptOutcome): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ outcome, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_PER_STATEMENT);
        try {
          const held = await recordAttempts(
            this.db,
            batch.map((w) => w.outcome),
          );
          for (const w of batch) w.resolve(held.has(w.outcome.id));
        } catch (err) {
          for (const w of batch) w.reject(err); // each caller handles its own failure
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
