import type { Channel } from '../../config/vocabulary';

/**
 * One channel adapter per provider: a small file behind this interface (GoAlert's
 * `nfydest.MessageSender`). The delivery task owns retries, fallback, rate limits and the audit
 * row; an adapter only turns one rendered message into one provider call and classifies failure.
 *
 * Contract:
 * - resolves with the provider's id for the message when the provider accepted it;
 * - throws `RetryableDeliveryError` when trying again later may succeed (5xx, timeouts, 429,
 *   connection errors), with `retryAfterMs` when the provider said how long to wait;
 * - throws `PermanentDeliveryError` when it never will (invalid number, rejected address, 4xx
 *   that won't change, the channel not configured): no retry, the next contact method is tried;
 * - passes `message.idempotencyKey` to providers that accept one (PagerDuty dedup_key for the
 *   incident, webhook-id, SES/SNS message attributes), so a re-run after a crash never sends twice
 *   where the provider can tell.
 * - never logs message contents or secrets.
 */
export interface ChannelAdapter {
  readonly channel: Channel;
  /** Why the channel is off (missing env vars), or undefined when it is configured. */
  readonly disabledReason?: string;
  /**
   * For a channel that is off by default but can be switched on by the message itself (PagerDuty
   * with a rule's own routing key): true when this message can be sent despite `disabledReason`.
   * Use {@link skipReason} rather than reading the two fields.
   */
  usableFor?(message: OutboundMessage): boolean;
  send(message: OutboundMessage): Promise<SendResult>;
  /** Releases sockets and agents (SDK clients); the adapter is not used afterwards. */
  close?(): void;
}

/**
 * Why `message` must be recorded `skipped` on `adapter` instead of sent, or undefined when it can
 * be sent: the adapter's `disabledReason` unless the message itself enables the channel.
 */
export function skipReason(adapter: ChannelAdapter, message: OutboundMessage): string | undefined {
  if (adapter.disabledReason === undefined) return undefined;
  return adapter.usableFor?.(message) ? undefined : adapter.disabledReason;
}

export interface SendResult {
  /** The provider's message id (SES MessageId, Twilio SID, Slack ts, PagerDuty dedup_key...). */
  providerId: string | null;
  /** HTTP status of the provider's answer, when there was one. */
  httpStatus?: number;
}

/** What is being sent and to where; already rendered for the audience and channel. */
export interface OutboundMessage {
  /** Stable per (incident, event, recipient, channel): the delivery's idempotency key. */
  readonly idempotencyKey: string;
  readonly deliveryId: number;
  /** The destination, by channel: email address, E.164 phone, Slack user/channel id, URL, ARN... */
  readonly address: string;
  readonly subject: string;
  /** Plain text (SMS body, email text part, Slack fallback text, console line). */
  readonly text: string;
  /**
   * SNS topic: the body for SMS subscribers (`renderSms(content).text`, which keeps the ack link).
   * Absent: `text` fitted to SMS limits, keeping its first lines.
   */
  readonly smsText?: string;
  /** Email HTML part, escaped by construction. */
  readonly html?: string;
  /** Slack Block Kit blocks. */
  readonly blocks?: readonly unknown[];
  /** Structured payload for machine channels (webhook body, PagerDuty custom_details, SNS JSON). */
  readonly data?: Readonly<Record<string, unknown>>;
  /** PagerDuty: trigger | acknowledge | resolve, and the per-incident dedup key. */
  readonly pagerduty?: {
    readonly action: 'trigger' | 'acknowledge' | 'resolve';
    readonly dedupKey: string;
    readonly severity: 'critical' | 'error' | 'warning' | 'info';
    readonly routingKey?: string;
  };
  /** Webhook: which configured endpoint (url + secret). */
  readonly webhook?: { readonly url: string; readonly secret?: string; readonly timeoutMs: number };
}

export class RetryableDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'RetryableDeliveryError';
  }
}

export class PermanentDeliveryError extends Error {
  constructor(
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

/** Parses an HTTP Retry-After header (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
