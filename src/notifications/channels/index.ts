import type { EnvConfig } from '../../config/env';
import type { Channel } from '../../config/vocabulary';
import { systemClock, type Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { regionOfArn, type AwsCredentials } from './aws';
import { consoleAdapter, statusPageAdapter } from './console';
import { pagerDutyAdapter } from './pagerduty';
import { sesAdapter } from './ses';
import { slackAdapters } from './slack';
import { snsSmsAdapter, snsTopicAdapter } from './sns';
import { twilioAdapter } from './twilio';
import { PermanentDeliveryError, type ChannelAdapter } from './types';
import { webhookAdapter } from './webhook';

export * from './types';

export interface AdapterOptions {
  /** For Retry-After dates, webhook timestamps and PagerDuty event times. */
  readonly clock?: Clock;
  /** Per-call timeout of every provider call except webhooks (which take theirs from config). */
  readonly timeoutMs?: number;
  /** AWS credentials; absent → the SDK's default chain (env, profile, instance role). */
  readonly awsCredentials?: AwsCredentials;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * One adapter per channel, from the environment. A channel whose settings are missing gets an
 * adapter with `disabledReason` naming what to set; its `send` refuses permanently, and the
 * delivery task records `skipped` with that reason instead of calling it (see `skipReason`).
 * Nothing here opens a connection: clients connect on first send.
 */
export function createAdapters(
  env: EnvConfig,
  logger: Logger,
  opts: AdapterOptions = {},
): Record<Channel, ChannelAdapter> {
  const clock = opts.clock ?? systemClock;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const aws = { credentials: opts.awsCredentials, timeoutMs };
  const { sesFrom, snsTopicArn, region } = env.aws;
  const { accountSid, authToken, from } = env.twilio;
  const smsRegion = region ?? regionOfArn(snsTopicArn);

  const slack = env.slack.botToken
    ? slackAdapters({
        botToken: env.slack.botToken,
        apiUrl: env.slack.apiUrl,
        incidentsChannel: env.slack.incidentsChannel,
        timeoutMs,
        clock,
      })
    : {
        slack: disabled('slack', 'Slack is off: set SLACK_BOT_TOKEN'),
        slack_channel: disabled('slack_channel', 'Slack is off: set SLACK_BOT_TOKEN'),
      };
  const twilioMissing = missing({
    TWILIO_ACCOUNT_SID: accountSid,
    TWILIO_AUTH_TOKEN: authToken,
    TWILIO_FROM: from,
  });

  return {
    ...slack,
    email:
      sesFrom && region
        ? sesAdapter({ ...aws, from: sesFrom, region, endpoint: env.aws.endpointSes })
        : disabled('email', `Email is off: set ${missing({ SES_FROM: sesFrom, AWS_REGION: region })}`),
    sms:
      accountSid && authToken && from && accountSid.startsWith('AC')
        ? twilioAdapter({ accountSid, authToken, from, apiUrl: env.twilio.apiUrl, timeoutMs, clock })
        : disabled(
            'sms',
            twilioMissing
              ? `SMS is off: set ${twilioMissing}`
              : 'SMS is off: TWILIO_ACCOUNT_SID must be an account SID starting with AC',
          ),
    sns_sms: smsRegion
      ? snsSmsAdapter({ ...aws, region: smsRegion, endpoint: env.aws.endpointSns })
      : disabled('sns_sms', 'SNS SMS is off: set AWS_REGION'),
    sns: snsTopicArn
      ? snsTopicAdapter({
          ...aws,
          topicArn: snsTopicArn,
          region: region ?? regionOfArn(snsTopicArn) ?? 'us-east-1',
          endpoint: env.aws.endpointSns,
        })
      : disabled('sns', 'SNS is off: set SNS_TOPIC_ARN'),
    pagerduty: pagerDutyAdapter({
      eventsUrl: env.pagerduty.eventsUrl,
      routingKey: env.pagerduty.routingKey,
      timeoutMs,
      clock,
    }),
    webhook: webhookAdapter({ clock }),
    statuspage: statusPageAdapter(),
    console: consoleAdapter(logger),
  };
}

/** Closes every adapter's clients (sockets, agents); for shutdown and tests. */
export function closeAdapters(adapters: Readonly<Record<Channel, ChannelAdapter>>): void {
  for (const adapter of Object.values(adapters)) adapter.close?.();
}

/** An adapter for a channel that is off: it says why, and refuses permanently if called anyway. */
export function disabled(channel: Channel, reason: string): ChannelAdapter {
  return {
    channel,
    disabledReason: reason,
    async send() {
      throw new PermanentDeliveryError(reason);
    },
  };
}

/** "A, B and C": the names whose values are missing, for a disabled reason. */
function missing(values: Record<string, string | undefined>): string {
  const names = Object.entries(values)
    .filter(([, v]) => !v)
    .map(([k]) => k);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
