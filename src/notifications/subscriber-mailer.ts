import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database, Trx } from '../db/schema';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import type { DeliveryHealth, SubscriberMailer } from '../statuspage/ports';
import type { DeliveryRequest } from './planner';
import type { MessageContent } from './render/content';

/**
 * The status page's ports bound to the notification engine: subscriber email becomes recorded,
 * retried deliveries (recipient `email_address`) planned inside the status page's own
 * transaction, and delivery health is read from the deliveries table.
 *
 * SES `SendEmail` cannot set custom headers, so the one-click unsubscribe link travels in the body
 * (every message carries it); `List-Unsubscribe` headers would need `SendRawEmail`.
 */
type Enqueue = (trx: Trx, requests: readonly DeliveryRequest[]) => Promise<number[]>;

const shortHash = (s: string): string => createHash('sha256').update(s).digest('base64url').slice(0, 16);

function emailTo(
  email: string,
  subscriberId: number,
  content: MessageContent,
  ids: { incidentId: number | null; eventId: number | null; keySuffix?: string },
): DeliveryRequest {
  return {
    incidentId: ids.incidentId,
    eventId: ids.eventId,
    severity: content.severity,
    recipientKind: 'email_address',
    recipientId: `subscriber:${subscriberId}`,
    address: email,
    channel: 'email',
    audience: 'customer',
    rule: 'status-page-subscribers',
    template: 'subscriber',
    content,
    keySuffix: ids.keySuffix,
    priority: 'bulk', // many messages, none urgent: never ahead of a page (priority.ts)
  };
}

export function subscriberMailer(enqueue: Enqueue): SubscriberMailer {
  return {
    async confirmation(trx, m) {
      const content: MessageContent = {
        subject: `Confirm your subscription to ${m.pageTitle}`,
        headline: `Confirm your subscription to ${m.pageTitle}`,
        paragraphs: [
          'Someone (hopefully you) asked to receive email updates about incidents and maintenance.',
          'Confirm with the button below. If it was not you, ignore this email and nothing will be sent.',
        ],
        fields: [],
        links: [
          { label: 'Confirm subscription', url: m.confirmUrl },
          { label: 'Unsubscribe', url: m.unsubscribeUrl },
        ],
        severity: 'info',
      };
      // One delivery per confirmation link (a resend is a new link, so a new delivery).
      await enqueue(trx, [
        emailTo(m.email, m.subscriberId, content, {
          incidentId: null,
          eventId: null,
          keySuffix: `confirm:${shortHash(m.confirmUrl)}`,
        }),
      ]);
    },
    async incidentUpdate(trx, m) {
      const incidentId = Number(m.incident.ref.replace(/^INC-/, ''));
      const requests = m.recipients.map((r) =>
        emailTo(
          r.email,
          r.subscriberId,
          {
            subject: `${m.pageTitle}: ${m.incident.title}`,
            headline: m.incident.title,
            paragraphs: [m.publicMessage],
            fields: [
              { label: 'Status', value: m.incident.status },
              ...(m.incident.components.length
                ? [{ label: 'Affected', value: m.incident.components.join(', ') }]
                : []),
            ],
            links: [
              { label: 'View on the status page', url: m.incident.url },
              { label: 'Unsubscribe', url: r.unsubscribeUrl },
            ],
            severity: 'info',
          },
          { incidentId: Number.isInteger(incidentId) ? incidentId : null, eventId: m.eventId },
        ),
      );
      await enqueue(trx, requests);
    },
  };
}

export function deliveryHealth(db: Kysely<Database>): DeliveryHealth {
  return async (since) => {
    const r = await sql<{ channel: string; failed: number; dead: number }>`
      select channel,
             count(*) filter (where status = 'failed')::int as failed,
             count(*) filter (where status = 'dead')::int as dead
      from deliveries where created_at >= ${since.toJSDate()}
      group by channel order by channel`.execute(db);
    return r.rows;
  };
}
