import { createHash } from 'node:crypto';
import { PublishCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import { fitSmsText } from '../render/sms';
import { truncateLine } from '../render/text';
import { assertAddress, awsClientConfig, awsFailure, type AwsClientOptions } from './aws';
import type { ChannelAdapter, OutboundMessage, SendResult } from './types';

export interface SnsTopicOptions extends AwsClientOptions {
  /** SNS_TOPIC_ARN: used when a message's address is not an ARN of its own. */
  readonly topicArn: string;
}

const TOPIC_ARN = /^arn:[a-z-]+:sns:[a-z0-9-]+:\d+:[A-Za-z0-9_.-]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;

/** SNS subjects: one line, under 100 characters (used by email subscriptions). */
const SUBJECT_MAX = 99;

/**
 * The delivery's identity as SNS message attributes: subscribers (SQS, Lambda, HTTP) see
 * `herald_idempotency_key` and can drop a repeat; SMS and email subscribers ignore them.
 */
function attributes(m: OutboundMessage): Record<string, MessageAttributeValue> {
  return {
    herald_idempotency_key: { DataType: 'String', StringValue: m.idempotencyKey },
    herald_delivery_id: { DataType: 'Number', StringValue: String(m.deliveryId) },
  };
}

/**
 * Publishes to an SNS topic with `MessageStructure: 'json'`: each subscription protocol gets its
 * own body: people (email, default) get the text, SMS subscribers `smsText` (else the text
 * fitted to 1,600 characters between words); machines (email-json, http/https, sqs, lambda, firehose) get the structured `data` as
 * JSON. On a FIFO topic the idempotency key (hashed to fit) is the `MessageDeduplicationId`, so
 * SNS itself drops a re-run's repeat within its five-minute window.
 */
export function snsTopicAdapter(opts: SnsTopicOptions): ChannelAdapter {
  const client = new SNSClient(awsClientConfig(opts));
  return {
    channel: 'sns',
    async send(message: OutboundMessage): Promise<SendResult> {
      const topicArn = message.address || opts.topicArn;
      assertAddress(TOPIC_ARN.test(topicArn), 'SNS topic ARN');
      const machine = JSON.stringify(message.data ?? { subject: message.subject, text: message.text });
      const human = message.text || message.subject;
      const body = {
        default: human,
        email: human,
        sms: message.smsText || fitSmsText(human).text || truncateLine(message.subject, 160),
        'email-json': machine,
        http: machine,
        https: machine,
        sqs: machine,
        lambda: machine,
        firehose: machine,
      };
      const fifo = topicArn.endsWith('.fifo');
      const command = new PublishCommand({
        TopicArn: topicArn,
        MessageStructure: 'json',
        Message: JSON.stringify(body),
        Subject: truncateLine(message.subject, SUBJECT_MAX) || undefined,
        MessageAttributes: attributes(message),
        ...(fifo
          ? {
              MessageDeduplicationId: createHash('sha256').update(message.idempotencyKey).digest('hex'),
              MessageGroupId: 'herald',
            }
          : {}),
      });
      try {
        const out = await client.send(command);
        return { providerId: out.MessageId ?? null, httpStatus: out.$metadata.httpStatusCode };
      } catch (err) {
        throw awsFailure('SNS', err);
      }
    },
    close: () => client.destroy(),
  };
}

/**
 * SMS straight to a phone number through SNS (`Publish` with `PhoneNumber`), as transactional
 * (delivery-optimised) SMS. The text is sent as rendered (the SMS renderer already fitted it);
 * an opted-out or invalid number comes back as a permanent error.
 */
export function snsSmsAdapter(opts: AwsClientOptions): ChannelAdapter {
  const client = new SNSClient(awsClientConfig(opts));
  return {
    channel: 'sns_sms',
    async send(message: OutboundMessage): Promise<SendResult> {
      assertAddress(E164.test(message.address), 'phone number (expected E.164)');
      const command = new PublishCommand({
        PhoneNumber: message.address,
        Message: message.text,
        MessageAttributes: {
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
          ...attributes(message),
        },
      });
      try {
        const out = await client.send(command);
        return { providerId: out.MessageId ?? null, httpStatus: out.$metadata.httpStatusCode };
      } catch (err) {
        throw awsFailure('SNS SMS', err);
      }
    },
    close: () => client.destroy(),
  };
}
