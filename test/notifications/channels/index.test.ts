import { Writable } from 'node:stream';
import pino from 'pino';
import { parseEnv } from '../../../src/config/env';
import { CHANNELS } from '../../../src/config/vocabulary';
import { closeAdapters, createAdapters, skipReason } from '../../../src/notifications/channels';
import { testLogger } from '../../support/db';
import { FakeSes } from '../../fakes/ses';
import { FakeTwilio } from '../../fakes/twilio';
import { awsCredentials, message, permanent } from './helpers';

/** A pino logger whose lines land in `lines`. */
function capturingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('createAdapters', () => {
  test('with nothing configured, every channel has an adapter and the provider channels say what to set', () => {
    const adapters = createAdapters(parseEnv({}), testLogger);
    expect(Object.keys(adapters).sort()).toEqual([...CHANNELS].sort());
    for (const channel of CHANNELS) expect(adapters[channel].channel).toBe(channel);
    expect(adapters.sms.disabledReason).toBe(
      'SMS is off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM',
    );
    expect(adapters.email.disabledReason).toBe('Email is off: set SES_FROM and AWS_REGION');
    expect(adapters.sns.disabledReason).toBe('SNS is off: set SNS_TOPIC_ARN');
    expect(adapters.sns_sms.disabledReason).toBe('SNS SMS is off: set AWS_REGION');
    expect(adapters.slack.disabledReason).toBe('Slack is off: set SLACK_BOT_TOKEN');
    expect(adapters.slack_channel.disabledReason).toBe('Slack is off: set SLACK_BOT_TOKEN');
    expect(adapters.pagerduty.disabledReason).toMatch(/^PagerDuty is off: set PAGERDUTY_ROUTING_KEY/);
    // Always available: they need no provider settings.
    for (const channel of ['console', 'statuspage', 'webhook'] as const) {
      expect(adapters[channel].disabledReason).toBeUndefined();
    }
  });

  test('a partly configured channel names only what is missing', () => {
    const adapters = createAdapters(
      parseEnv({ TWILIO_ACCOUNT_SID: 'AC123', SES_FROM: 'herald@example.com' }),
      testLogger,
    );
    expect(adapters.sms.disabledReason).toBe('SMS is off: set TWILIO_AUTH_TOKEN and TWILIO_FROM');
    expect(adapters.email.disabledReason).toBe('Email is off: set AWS_REGION');
  });

  test('a Twilio account SID that does not start with AC keeps SMS off, with the reason', () => {
    const env = parseEnv({
      TWILIO_ACCOUNT_SID: 'SK123',
      TWILIO_AUTH_TOKEN: 't',
      TWILIO_FROM: '+15555550100',
    });
    expect(createAdapters(env, testLogger).sms.disabledReason).toMatch(
      /must be an account SID starting with AC/,
    );
  });

  test('SNS SMS takes its region from the topic ARN when AWS_REGION is unset', () => {
    const env = parseEnv({ SNS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:herald' });
    const adapters = createAdapters(env, testLogger);
    expect(adapters.sns.disabledReason).toBeUndefined();
    expect(adapters.sns_sms.disabledReason).toBeUndefined();
    closeAdapters(adapters);
  });

  test('a disabled adapter is skipped with its reason, and refuses permanently if called anyway', async () => {
    const { sms } = createAdapters(parseEnv({}), testLogger);
    expect(skipReason(sms, message())).toBe(sms.disabledReason);
    const err = await permanent(sms.send(message()));
    expect(err.message).toBe(sms.disabledReason);
  });

  test('configured channels send through the endpoints from the environment', async () => {
    const ses = await new FakeSes().start();
    const twilio = await new FakeTwilio().start();
    const env = parseEnv({
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_SES: ses.url,
      SES_FROM: 'herald@example.com',
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+15555550100',
      TWILIO_API_URL: twilio.url,
    });
    const adapters = createAdapters(env, testLogger, { awsCredentials, timeoutMs: 2_000 });
    try {
      expect(skipReason(adapters.email, message())).toBeUndefined();
      expect((await adapters.email.send(message())).providerId).toBe(ses.sent[0]!.messageId);
      expect((await adapters.sms.send(message({ address: '+15555550123' }))).providerId).toBe(
        twilio.sent[0]!.sid,
      );
    } finally {
      closeAdapters(adapters);
      await ses.stop();
      await twilio.stop();
    }
  });

  test('console writes one readable line per notification, with no line breaks from typed text', async () => {
    const { logger, lines } = capturingLogger();
    const { console: consoleAdapter } = createAdapters(parseEnv({}), logger);
    const result = await consoleAdapter.send(
      message({ text: '[CRITICAL] INC-12 declared: Checkout failing\n{"level":50,"msg":"forged"}\r\nend' }),
    );
    expect(result).toEqual({ providerId: null });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      channel: 'console',
      deliveryId: 42,
      msg: '[CRITICAL] INC-12 declared: Checkout failing {"level":50,"msg":"forged"} end',
    });
  });

  test('statuspage resolves with no provider id: the status page reads incidents itself', async () => {
    const { statuspage } = createAdapters(parseEnv({}), testLogger);
    expect(await statuspage.send(message({ address: '' }))).toEqual({ providerId: null });
  });
});
