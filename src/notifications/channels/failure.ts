import http from 'node:http';
import https from 'node:https';
import { isAxiosError } from 'axios';
import { PermanentDeliveryError, RetryableDeliveryError, retryAfterMs } from './types';

/**
 * How a failed HTTP call is classified, the same way for every adapter that speaks plain HTTP:
 * the delivery task retries what may succeed later and falls back at once on what never will.
 * Error messages name the provider, the status and the provider's own code, never the request
 * (which holds the message and, in headers or body, credentials).
 */

/** Statuses worth retrying: timeouts, rate limits, "too early", and every server error. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** The error for an HTTP answer that is not a success. */
export function httpFailure(
  provider: string,
  status: number,
  retryAfter: string | null | undefined,
  nowMs: number,
  detail?: string,
): RetryableDeliveryError | PermanentDeliveryError {
  const message = `${provider} answered HTTP ${status}${detail ? `: ${detail}` : ''}`;
  return isRetryableStatus(status)
    ? new RetryableDeliveryError(message, retryAfterMs(retryAfter, nowMs), status)
    : new PermanentDeliveryError(message, status);
}

/**
 * The error for a call that got no HTTP answer (refused, reset, DNS, timeout): always retryable,
 * as the provider may never have seen it. Named by errno when one can be found.
 */
export function transportFailure(provider: string, err: unknown): RetryableDeliveryError {
  const e = (err ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : e.cause?.code; // fetch puts it on `cause`
  const name = err instanceof Error ? err.name : 'Error';
  // Wrapped errors (the AWS SDK's) keep the errno only in their message.
  const inMessage = err instanceof Error ? /\b(E[A-Z]{2,}[A-Z_]*)\b/.exec(err.message)?.[1] : undefined;
  const message = err instanceof Error ? excerpt(err.message, 100) : undefined;
  const what = typeof code === 'string' ? code : (inMessage ?? (name === 'Error' ? message : name) ?? name);
  const timedOut = ['ECONNABORTED', 'ETIMEDOUT', 'AbortError'].includes(what) || /timeout/i.test(what);
  return new RetryableDeliveryError(`${provider} ${timedOut ? 'timed out' : `unreachable (${what})`}`);
}

/**
 * An axios error as a delivery error: by status when there was an answer, else transport. Any
 * other error is a bug in Herald, not a delivery failure, and is rethrown unchanged.
 */
export function axiosFailure(
  provider: string,
  err: unknown,
  nowMs: number,
  detail?: (data: unknown) => string | undefined,
): RetryableDeliveryError | PermanentDeliveryError {
  if (isAxiosError(err) && err.response) {
    const header = err.response.headers['retry-after'] as string | undefined;
    return httpFailure(provider, err.response.status, header, nowMs, detail?.(err.response.data));
  }
  if (isAxiosError(err) || isNetworkError(err)) return transportFailure(provider, err);
  throw err;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

export function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/** A short, single-line, bounded excerpt of a provider's error text for the audit row. */
export function excerpt(value: unknown, max = 200): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const line = value.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/**
 * Keep-alive agents for an adapter's axios client: without them every delivery opens a new TCP
 * (and TLS) connection, which dominates the cost of a large fan-out.
 */
export function keepAliveAgents(): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  return {
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
  };
}

/** Connections per provider host; the sender keeps at most this many sends in flight per channel. */
export const MAX_SOCKETS = 64;
