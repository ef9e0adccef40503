import axios, { type AxiosInstance } from 'axios';
import type { Clock } from '../../common/clock';
import { truncateLine } from '../render/text';
import { axiosFailure, excerpt, keepAliveAgents } from './failure';
import { PermanentDeliveryError, type ChannelAdapter, type OutboundMessage, type SendResult } from './types';

export interface PagerDutyOptions {
  /** Events API v2 endpoint (PAGERDUTY_EVENTS_URL). */
  readonly eventsUrl: string;
  /** PAGERDUTY_ROUTING_KEY; a message's own `pagerduty.routingKey` (from its rule) wins. */
  readonly routingKey?: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
  /** `payload.source`: what PagerDuty shows as the origin of the alert. */
  readonly source?: string;
}

/** PagerDuty's ceiling for `payload.summary`. */
export const PAGERDUTY_SUMMARY_MAX = 1024;

/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`). One `dedup_key` per incident (from the message)
 * makes PagerDuty fold every trigger of an incident into one alert and lets acknowledge and
 * resolve find it, so a retried or re-run send never opens a second alert. 202 is success and the
 * dedup key is the provider id; 429 and 5xx are retried (honouring Retry-After); 400 (invalid
 * event, bad routing key) is permanent.
 */
export function pagerDutyAdapter(opts: PagerDutyOptions): ChannelAdapter {
  const agents = keepAliveAgents();
  const http: AxiosInstance = axios.create({
    ...agents,
    timeout: opts.timeoutMs,
    maxRedirects: 0,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
  });
  const keyFor = (m: OutboundMessage): string | undefined => m.pagerduty?.routingKey ?? opts.routingKey;
  return {
    channel: 'pagerduty',
    disabledReason: opts.routingKey
      ? undefined
      : 'PagerDuty is off: set PAGERDUTY_ROUTING_KEY (or pagerduty_routing_key in the rule)',
    usableFor: (m) => keyFor(m) !== undefined,
    close: () => {
      agents.httpAgent.destroy();
      agents.httpsAgent.destroy();
    },
    async send(message: OutboundMessage): Promise<SendResult> {
      const pd = message.pagerduty;
      if (!pd) throw new PermanentDeliveryError('PagerDuty delivery without its event (message.pagerduty)');
      const routingKey = keyFor(message);
      if (!routingKey) {
        throw new PermanentDeliveryError(
          'PagerDuty is off: set PAGERDUTY_ROUTING_KEY (or pagerduty_routing_key in the rule)',
        );
      }
      const event: Record<string, unknown> = {
        routing_key: routingKey,
        event_action: pd.action,
        dedup_key: pd.dedupKey,
      };
      if (pd.action === 'trigger') {
        event.payload = {
          summary: truncateLine(message.subject || message.text, PAGERDUTY_SUMMARY_MAX),
          source: opts.source ?? 'herald',
          severity: pd.severity,
          timestamp: opts.clock.now().toUTC().toISO(),
          custom_details: message.data ?? { text: message.text },
        };
      }
      try {
        const res = await http.post<{ dedup_key?: string }>(opts.eventsUrl, event);
        return { providerId: res.data?.dedup_key ?? pd.dedupKey, httpStatus: res.status };
      } catch (err) {
        throw axiosFailure('PagerDuty', err, opts.clock.now().toMillis(), pagerDutyDetail);
      }
    },
  };
}

/** PagerDuty's 400 body: `{status, message, errors: [...]}`; its words, never our request. */
function pagerDutyDetail(data: unknown): string | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const body = data as { message?: unknown; errors?: unknown };
  const errors = Array.isArray(body.errors) ? body.errors.filter((e) => typeof e === 'string') : [];
  return excerpt([body.message, ...errors].filter((e) => typeof e === 'string').join('; '));
}
