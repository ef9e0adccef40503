import type { SESClientConfig } from '@aws-sdk/client-ses';
import { PermanentDeliveryError, RetryableDeliveryError } from './types';
import { transportFailure } from './failure';

/** AWS credentials as the SDK takes them; absent → the SDK's default provider chain. */
export type AwsCredentials = SESClientConfig['credentials'];

export interface AwsClientOptions {
  readonly region: string;
  /** AWS_ENDPOINT_URL_SES / _SNS, passed explicitly so tests need not touch process.env. */
  readonly endpoint?: string;
  readonly credentials?: AwsCredentials;
  readonly timeoutMs: number;
}

/**
 * Client settings shared by SES and SNS: one attempt (the delivery task owns retries, backoff
 * and fallback; SDK retries inside it would multiply them), and a timeout on both connecting and
 * waiting for the answer.
 */
export function awsClientConfig(o: AwsClientOptions) {
  return {
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: o.timeoutMs,
      connectionTimeout: o.timeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'Throttled',
  'ThrottledException', // SNS's `Throttled` as the SDK models it
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);
/** Client errors that go away by themselves (credentials rotate, clocks resync). */
const TRANSIENT = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'RequestTimeout']);

interface AwsErrorShape {
  name?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/**
 * An AWS SDK v3 error as a delivery error. No HTTP answer (timeout, refused, missing credentials
 * that a metadata service may yet provide) and throttling or server faults are retryable; any other
 * answered client error (MessageRejected, InvalidParameterValue, MailFromDomainNotVerified, an
 * opted-out number…) is permanent. `service` names the provider in the message; the SDK's own
 * message is kept short and never includes the request.
 */
export function awsFailure(service: string, err: unknown): RetryableDeliveryError | PermanentDeliveryError {
  const e = (err ?? {}) as AwsErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const code = e.name ?? 'Error';
  const text =
    err instanceof Error && err.message ? `: ${err.message.replace(/\s+/g, ' ').slice(0, 200)}` : '';
  if (status === undefined) {
    if (code === 'CredentialsProviderError') {
      return new RetryableDeliveryError(`${service}: no AWS credentials available`);
    }
    return transportFailure(service, err);
  }
  const described = `${service} answered HTTP ${status} ${code}${text}`;
  if (THROTTLING.has(code) || e.$retryable?.throttling || status === 429) {
    return new RetryableDeliveryError(described, undefined, status);
  }
  if (status >= 500 || e.$fault === 'server' || TRANSIENT.has(code)) {
    return new RetryableDeliveryError(described, undefined, status);
  }
  return new PermanentDeliveryError(described, status);
}

/** The region inside an ARN (`arn:aws:sns:eu-west-1:123:topic` → `eu-west-1`). */
export function regionOfArn(arn: string | undefined): string | undefined {
  return arn?.split(':')[3] || undefined;
}

/**
 * A string as an SES tag value or SNS attribute that must be `[A-Za-z0-9_-]`: other characters
 * become `_`. Tags identify the delivery in bounce and event records; they are not used for
 * de-duplication, so a rare collision of two sanitised keys would be harmless.
 */
export function tagValue(value: string, max = 256): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, max) || '_';
}

export function assertAddress(ok: boolean, what: string): void {
  if (!ok) throw new PermanentDeliveryError(`invalid ${what}`);
}
