import { ManualClock } from '../../../src/common/clock';
import {
  PermanentDeliveryError,
  RetryableDeliveryError,
  type OutboundMessage,
} from '../../../src/notifications/channels/types';

/** Static test credentials for the AWS SDK (the fakes do not check signatures). */
export const awsCredentials = { accessKeyId: 'AKIDHERALDTEST', secretAccessKey: 'herald-test-secret' };

/**
 * Per-call timeout of the adapters under test: far above what a fake takes to answer, even on a
 * busy machine with a cold SDK (a first Twilio call loads much of the SDK; 300 ms was not enough).
 */
export const TIMEOUT_MS = 10_000;
/**
 * Timeout of the adapters that test timeouts, against a fake that holds its answer (`hold()`):
 * the answer cannot come first, however slow the machine, so the outcome is decided by state.
 */
export const SHORT_TIMEOUT_MS = 200;

export const clockAt = (iso = '2026-03-01T12:00:00Z'): ManualClock => new ManualClock(iso);

export function message(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    idempotencyKey: 'inc-12:declared:alice:email',
    deliveryId: 42,
    address: 'alice@example.com',
    subject: '[CRITICAL] INC-12 declared: Checkout failing',
    text: 'Checkout is failing for every customer.',
    ...overrides,
  };
}

/** The rejection of `promise`, which must reject. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the send to fail, but it succeeded');
}

export async function retryable(promise: Promise<unknown>): Promise<RetryableDeliveryError> {
  const err = await rejection(promise);
  if (!(err instanceof RetryableDeliveryError))
    throw new Error(`expected RetryableDeliveryError, got ${String(err)}`);
  return err;
}

export async function permanent(promise: Promise<unknown>): Promise<PermanentDeliveryError> {
  const err = await rejection(promise);
  if (!(err instanceof PermanentDeliveryError))
    throw new Error(`expected PermanentDeliveryError, got ${String(err)}`);
  return err;
}
