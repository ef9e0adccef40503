import axios from 'axios';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../../common/clock';
import { axiosFailure, keepAliveAgents } from './failure';
import { PermanentDeliveryError, type ChannelAdapter, type OutboundMessage, type SendResult } from './types';

export interface WebhookOptions {
  readonly clock: Clock;
  /** When the message's endpoint has none (config default is 10 s). */
  readonly defaultTimeoutMs?: number;
}

export const WEBHOOK_DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Outgoing webhooks, signed with Standard Webhooks (standardwebhooks.com): headers `webhook-id`
 * (the delivery's idempotency key, so a receiver can drop a repeat after a crash and re-run),
 * `webhook-timestamp` (seconds) and, when the endpoint has a `whsec_` secret, `webhook-signature`
 * over `id.timestamp.body`. The body is the message's `data` as JSON (or `{subject, text}`), sent
 * as the exact bytes that were signed. Redirects are not followed (a signed POST must not be
 * replayed elsewhere). 2xx is success; 408, 425, 429 and 5xx are retried, honouring Retry-After;
 * every other answer (410 Gone included) is permanent; timeouts and refused connections retry.
 */
export function webhookAdapter(opts: WebhookOptions): ChannelAdapter {
  const agents = keepAliveAgents();
  const http = axios.create({
    ...agents,
    maxRedirects: 0,
    responseType: 'text',
    maxContentLength: 64 * 1024,
  });
  return {
    channel: 'webhook',
    close: () => {
      agents.httpAgent.destroy();
      agents.httpsAgent.destroy();
    },
    async send(message: OutboundMessage): Promise<SendResult> {
      const endpoint = message.webhook;
      if (!endpoint)
        throw new PermanentDeliveryError('webhook delivery without an endpoint (message.webhook)');
      const body = JSON.stringify(message.data ?? { subject: message.subject, text: message.text });
      const now = opts.clock.now();
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'Herald-Webhooks/1',
        'webhook-id': message.idempotencyKey,
        'webhook-timestamp': String(Math.floor(now.toSeconds())),
      };
      if (endpoint.secret) {
        headers['webhook-signature'] = signer(endpoint.secret).sign(
          message.idempotencyKey,
          now.toJSDate(),
          body,
        );
      }
      try {
        const res = await http.post(endpoint.url, body, {
          headers,
          timeout: endpoint.timeoutMs || opts.defaultTimeoutMs || WEBHOOK_DEFAULT_TIMEOUT_MS,
          // The body is already a string: keep axios from re-serialising what was signed.
          transformRequest: [(data: unknown) => data],
        });
        return { providerId: null, httpStatus: res.status };
      } catch (err) {
        throw axiosFailure('webhook endpoint', err, now.toMillis());
      }
    },
  };
}

function signer(secret: string): Webhook {
  try {
    return new Webhook(secret);
  } catch {
    throw new PermanentDeliveryError('webhook secret is not a valid "whsec_" base64 secret');
  }
}
