import {
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
  type KnownBlock,
} from '@slack/web-api';
import type { Clock } from '../../common/clock';
import { httpFailure, transportFailure } from './failure';
import {
  PermanentDeliveryError,
  RetryableDeliveryError,
  type ChannelAdapter,
  type OutboundMessage,
  type SendResult,
} from './types';

export interface SlackOptions {
  readonly botToken: string;
  /** SLACK_API_URL (ends with a slash). */
  readonly apiUrl: string;
  /** SLACK_INCIDENTS_CHANNEL: where `slack_channel` posts when a message names no channel. */
  readonly incidentsChannel?: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
}

/** Slack errors that no retry will fix: the fallback contact method is tried at once. */
const PERMANENT = new Set([
  'channel_not_found',
  'user_not_found',
  'users_not_found',
  'not_in_channel',
  'is_archived',
  'account_inactive',
  'user_disabled',
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'missing_scope',
  'cannot_dm_bot',
  'msg_too_long',
  'invalid_blocks',
  'no_text',
  'restricted_action',
]);
/** Slack errors that say "later". */
const TRANSIENT = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/**
 * The Slack Web API client for delivery: no retries of its own and 429s rejected, not waited out,
 * because the delivery task schedules retries (a WebClient that waits holds a worker slot for
 * minutes and retries behind the audit's back).
 */
export function deliveryWebClient(opts: SlackOptions): WebClient {
  return new WebClient(opts.botToken, {
    slackApiUrl: opts.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: opts.timeoutMs,
    // Failures are classified and recorded by the delivery task; the client's own warnings would
    // only repeat them on stdout.
    logLevel: LogLevel.ERROR,
  });
}

/**
 * Slack direct messages (`slack`: address is a user ID, or a DM/channel ID used as is) and channel
 * posts (`slack_channel`: address is a channel ID, else SLACK_INCIDENTS_CHANNEL). Provider id: the
 * message `ts`. A DM is one call: `chat.postMessage` with the user ID as `channel` posts in the
 * app's DM with that user. `conversations.open` first would double the calls, and it is a Tier 3
 * method (about 50 a minute), so a page to many people would be throttled before it is sent.
 */
export function slackAdapters(opts: SlackOptions): { slack: ChannelAdapter; slack_channel: ChannelAdapter } {
  const web = deliveryWebClient(opts);
  const post = async (channel: string, m: OutboundMessage): Promise<SendResult> => {
    const res = await web.chat.postMessage({
      channel,
      text: m.text || m.subject,
      ...(m.blocks ? { blocks: m.blocks as KnownBlock[] } : {}),
      unfurl_links: false,
      unfurl_media: false,
    });
    return { providerId: res.ts ?? null, httpStatus: 200 };
  };
  const guarded = (fn: (m: OutboundMessage) => Promise<SendResult>) => async (m: OutboundMessage) => {
    try {
      return await fn(m);
    } catch (err) {
      throw slackFailure(err, opts.clock.now().toMillis());
    }
  };
  return {
    slack: {
      channel: 'slack',
      send: guarded(async (m) => {
        if (/^[CDG][A-Z0-9]+$/.test(m.address)) return post(m.address, m);
        if (!/^[UW][A-Z0-9]+$/.test(m.address)) throw new PermanentDeliveryError('invalid Slack user ID');
        return post(m.address, m);
      }),
    },
    slack_channel: {
      channel: 'slack_channel',
      send: guarded(async (m) => {
        const channel = m.address || opts.incidentsChannel;
        if (!channel) {
          throw new PermanentDeliveryError(
            'no Slack channel: set SLACK_INCIDENTS_CHANNEL or slack.incidents_channel',
          );
        }
        return post(channel, m);
      }),
    },
  };
}

function slackFailure(err: unknown, nowMs: number): RetryableDeliveryError | PermanentDeliveryError {
  if (err instanceof RetryableDeliveryError || err instanceof PermanentDeliveryError) return err;
  if (err instanceof WebAPIRateLimitedError) {
    return new RetryableDeliveryError('Slack answered ratelimited', Math.max(0, err.retryAfter) * 1000, 429);
  }
  if (err instanceof WebAPIPlatformError) {
    const code = err.data.error;
    if (PERMANENT.has(code)) return new PermanentDeliveryError(`Slack answered ${code}`, 200);
    if (TRANSIENT.has(code)) return new RetryableDeliveryError(`Slack answered ${code}`, undefined, 200);
    return new PermanentDeliveryError(`Slack answered ${code}`, 200);
  }
  if (err instanceof WebAPIHTTPError) {
    return httpFailure('Slack', err.statusCode, err.headers['retry-after'], nowMs);
  }
  if (err instanceof WebAPIRequestError) return transportFailure('Slack', err.original);
  throw err;
}
