import { ManualClock } from '../../../src/common/clock';
import {
  PermanentDeliveryError,
  RetryableDeliveryError,
  type OutboundMessage,
} from '../../../src/notifications/channels/types';

/** Static test credentials for the AWS SDK (the fakes do not check signatures). */
export const awsCredentials = { accessKeyId: 'AKIDHERALDTEST', secretAccessKey: 'herald-test-secret' };

/** Client timeout used with the fakes' `delayMs` faults (which wait far longer). */
export const SHORT_TIMEOUT_MS = 300;
export const LONG_DELAY_MS = 3_000;

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
