import type { Logger } from '../../common/logger';
import { oneLine } from '../render/text';
import type { ChannelAdapter, OutboundMessage, SendResult } from './types';

/** A log line is not an essay: longer texts are cut (the full message is in the audit). */
const LINE_MAX = 1000;

/**
 * The `console` channel: one readable info line per notification through the pino logger, so a
 * first run with nothing configured shows the whole flow. This is the one adapter whose purpose
 * is to print the message: it prints the rendered text on one line (control characters and line
 * breaks removed, so a typed newline cannot forge a log line) and never a secret.
 */
export function consoleAdapter(logger: Logger): ChannelAdapter {
  const log = logger.child({ channel: 'console' });
  return {
    channel: 'console',
    async send(message: OutboundMessage): Promise<SendResult> {
      const line = oneLine(message.text || message.subject);
      log.info(
        { deliveryId: message.deliveryId, to: message.address || undefined },
        line.length > LINE_MAX ? `${line.slice(0, LINE_MAX)}…` : line,
      );
      return { providerId: null };
    },
  };
}

/**
 * The `statuspage` channel: the status page reads incidents and their public messages from the
 * database, so "publishing" needs no call. The delivery is recorded as sent (provider id null),
 * which keeps the audit saying the customer audience was served by the page.
 */
export function statusPageAdapter(): ChannelAdapter {
  return {
    channel: 'statuspage',
    async send(): Promise<SendResult> {
      return { providerId: null };
    },
  };
}
