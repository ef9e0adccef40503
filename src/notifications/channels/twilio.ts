import twilio from 'twilio';
import type TwilioRequestClient from 'twilio/lib/base/RequestClient';
import type { Clock } from '../../common/clock';
import { excerpt, httpFailure, isNetworkError, MAX_SOCKETS, transportFailure } from './failure';
import {
  PermanentDeliveryError,
  RetryableDeliveryError,
  type ChannelAdapter,
  type OutboundMessage,
  type SendResult,
} from './types';

export interface TwilioOptions {
  readonly accountSid: string;
  readonly authToken: string;
  /** TWILIO_FROM: an E.164 number, or a messaging service SID (`MG…`). */
  readonly from: string;
  /** TWILIO_API_URL: replaces `https://api.twilio.com` in every request. */
  readonly apiUrl: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
}

const TWILIO_ORIGIN = 'https://api.twilio.com';
const E164 = /^\+[1-9]\d{6,14}$/;

/** Twilio error codes that will not change on a retry (https://www.twilio.com/docs/api/errors). */
const PERMANENT_CODES = new Set([
  21211, // invalid 'To' number
  21408, // permission to send to this region not enabled
  21606, // 'From' is not a valid, SMS-capable number
  21610, // recipient unsubscribed (replied STOP)
  21612, // 'To' cannot be reached from this 'From'
  21614, // 'To' is not a mobile number
  21617, // body exceeds 1,600 characters
  30003, // unreachable handset
  30005, // unknown destination handset
  30006, // landline or unreachable carrier
]);

/**
 * Twilio's RequestClient pointed at TWILIO_API_URL, with the adapter's timeout. A 429 is turned
 * into a retryable error here because only here are the response headers (Retry-After) visible:
 * the SDK's RestException keeps the body and drops them. Made from the SDK's class when the first
 * adapter is created, not when this file loads: a process without Twilio never loads the SDK.
 */
const heraldRequestClient = (base: typeof twilio.RequestClient) =>
  class HeraldRequestClient extends base {
    constructor(
      private readonly apiUrl: string,
      private readonly timeoutMs: number,
      private readonly clock: Clock,
    ) {
      super({ timeout: timeoutMs, keepAlive: true, maxSockets: MAX_SOCKETS });
    }

    override async request<T>(opts: TwilioRequestClient.RequestOptions<T>) {
      const res = await super.request<T>({ ...opts, uri: this.rewrite(opts.uri), timeout: this.timeoutMs });
      if (res.statusCode === 429) {
        const headers = res.headers as Record<string, string | undefined> | undefined;
        throw httpFailure('Twilio', 429, headers?.['retry-after'], this.clock.now().toMillis());
      }
      return res;
    }

    /** Any Twilio API origin (the SDK may add an edge or region to the host) → TWILIO_API_URL. */
    private rewrite(uri: string): string {
      if (this.apiUrl === TWILIO_ORIGIN) return uri;
      const url = new URL(uri);
      if (!url.hostname.endsWith('.twilio.com')) return uri;
      return `${this.apiUrl}${url.pathname}${url.search}`;
    }
  };

/**
 * SMS through Twilio's Messages API. The body is sent as rendered (the SMS renderer fitted it to
 * 1,600 characters and whole words). Twilio accepts no idempotency key on Messages, so a re-run
 * after a crash between Twilio's answer and the audit commit can send a second SMS: the one
 * at-least-once channel. Invalid, unreachable or unsubscribed numbers are permanent; 429 (with
 * Retry-After) and 5xx are retried.
 */
export function twilioAdapter(opts: TwilioOptions): ChannelAdapter {
  const client = twilio(opts.accountSid, opts.authToken, {
    httpClient: new (heraldRequestClient(twilio.RequestClient))(opts.apiUrl, opts.timeoutMs, opts.clock),
    autoRetry: false,
  });
  return {
    channel: 'sms',
    async send(message: OutboundMessage): Promise<SendResult> {
      if (!E164.test(message.address))
        throw new PermanentDeliveryError('invalid phone number (expected E.164)');
      const sender = opts.from.startsWith('MG') ? { messagingServiceSid: opts.from } : { from: opts.from };
      try {
        const sent = await client.messages.create({ to: message.address, body: message.text, ...sender });
        return { providerId: sent.sid, httpStatus: 201 };
      } catch (err) {
        throw twilioFailure(err, opts.clock.now().toMillis());
      }
    },
  };
}

/**
 * Twilio's errors (RestException, or TwilioServiceException for RFC 9457 answers) both carry
 * `status` and a numeric `code`; an error without a status got no answer at all.
 */
function twilioFailure(err: unknown, nowMs: number): RetryableDeliveryError | PermanentDeliveryError {
  if (err instanceof RetryableDeliveryError || err instanceof PermanentDeliveryError) return err;
  const e = (err ?? {}) as { status?: unknown; code?: unknown; message?: unknown };
  if (typeof e.status === 'number') {
    const code = typeof e.code === 'number' ? e.code : undefined;
    const detail = [code ?? 'no code', excerpt(e.message)].filter(Boolean).join(' ');
    if (code !== undefined && PERMANENT_CODES.has(code)) {
      return new PermanentDeliveryError(`Twilio answered HTTP ${e.status}: ${detail}`, e.status);
    }
    return httpFailure('Twilio', e.status, undefined, nowMs, detail);
  }
  if (isNetworkError(err) || (err as { isAxiosError?: boolean }).isAxiosError)
    return transportFailure('Twilio', err);
  throw err;
}
