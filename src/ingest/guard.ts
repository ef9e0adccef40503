import type { Trx } from '../db/schema';
import type { ChangeOptions, ChangeSubscriber, IncidentChange } from '../incidents/incident.service';
import { isHeraldError } from '../common/errors';

/**
 * Runs ingest's own writes inside the incident service's transaction.
 *
 * IncidentService owns its transactions, and ingest must change incidents through it (so
 * notifications and escalation run as for a person). But binding alerts to the incident, and
 * checking that the decision still holds (the group still has no incident, the alerts still all
 * cleared), must commit or roll back with that change. So the caller passes a `check` as the
 * change's context, and the ingest subscriber, which the service calls inside its transaction,
 * runs it there. A check that finds the world changed throws {@link StaleIngestState}: the whole
 * change rolls back and the caller decides again.
 *
 * (The context travels with the change, not in an AsyncLocalStorage: in Node 20 a store, once
 * used, puts a hook on every promise the process creates, about a tenth of the CPU of alert
 * ingestion.)
 */
export type GuardCheck = (trx: Trx, change: IncidentChange) => Promise<void>;

class Slot {
  applied = false;
  constructor(readonly check: GuardCheck) {}
}

/** The decision a change was based on no longer holds; nothing was written. Decide again. */
export class StaleIngestState extends Error {
  constructor(what: string) {
    super(`ingest state changed concurrently: ${what}`);
    this.name = 'StaleIngestState';
  }
}

/**
 * Calls `change` (an IncidentService call, given the options to pass it) with `check` run inside
 * its transaction.
 */
export async function guarded<T>(
  check: GuardCheck,
  change: (options: ChangeOptions) => Promise<T>,
): Promise<T> {
  const slot = new Slot(check);
  const result = await change({ context: slot });
  if (!slot.applied) {
    throw new Error(
      'the ingest subscriber did not run: register ingestModule subscribers on the incident service',
    );
  }
  return result;
}

/**
 * The ingest module's subscriber: runs the pending check of a guarded call, or else hands a
 * change someone else made (a person resolving or reopening) to `foreign`.
 */
export function guardSubscriber(foreign: ChangeSubscriber): ChangeSubscriber {
  return async (trx, change) => {
    const slot = change.context;
    if (slot instanceof Slot && !slot.applied) {
      slot.applied = true;
      await slot.check(trx, change);
      return;
    }
    await foreign(trx, change);
  };
}

/** PostgreSQL's deadlock_detected and serialization_failure: retryable like a stale decision. */
const RETRYABLE_PG = new Set(['40P01', '40001']);

/** Errors after which deciding again (on a fresh snapshot) is the right move. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof StaleIngestState) return true;
  if (isHeraldError(err)) return err.code === 'InvalidTransition';
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_PG.has(code);
}
