import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { truncateLine } from '../render/text';
import { assertAddress, awsClientConfig, awsFailure, tagValue, type AwsClientOptions } from './aws';
import type { ChannelAdapter, OutboundMessage, SendResult } from './types';

export interface SesOptions extends AwsClientOptions {
  /** SES_FROM: a verified address or "Name <address>". */
  readonly from: string;
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

/**
 * Email through Amazon SES `SendEmail` (HTML and text parts, UTF-8). SES takes no idempotency key,
 * so the delivery's key and id travel as message tags (`herald-idempotency-key`,
 * `herald-delivery-id`): they come back in SES bounce, complaint and delivery events, which ties
 * a provider event to the audit row. The SES MessageId is the provider id.
 */
export function sesAdapter(opts: SesOptions): ChannelAdapter {
  const client = new SESClient(awsClientConfig(opts));
  return {
    channel: 'email',
    async send(message: OutboundMessage): Promise<SendResult> {
      assertAddress(EMAIL.test(message.address), 'email address');
      const command = new SendEmailCommand({
        Source: opts.from,
        Destination: { ToAddresses: [message.address] },
        Message: {
          // One line: SES builds the Subject header from it.
          Subject: { Data: truncateLine(message.subject, 200), Charset: 'UTF-8' },
          Body: {
            Text: { Data: message.text, Charset: 'UTF-8' },
            ...(message.html ? { Html: { Data: message.html, Charset: 'UTF-8' } } : {}),
          },
        },
        Tags: [
          { Name: 'herald-idempotency-key', Value: tagValue(message.idempotencyKey) },
          { Name: 'herald-delivery-id', Value: String(message.deliveryId) },
        ],
      });
      try {
        const out = await client.send(command);
        return { providerId: out.MessageId ?? null, httpStatus: out.$metadata.httpStatusCode };
      } catch (err) {
        throw awsFailure('SES', err);
      }
    },
    close: () => client.destroy(),
  };
}
