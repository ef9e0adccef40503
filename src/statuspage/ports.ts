import type { DateTime } from 'luxon';
import type { Trx } from '../db/schema';
import type { Impact } from './status';

/**
 * What the status page needs from the notification engine, as ports the composition root binds.
 * The status page never sends email itself and never reads the engine's tables.
 */

/** Failed and dead deliveries per channel since an instant (the internal page's "delivery health"). */
export interface DeliveryHealthRow {
  readonly channel: string;
  readonly failed: number;
  readonly dead: number;
}
export type DeliveryHealth = (since: DateTime) => Promise<readonly DeliveryHealthRow[]>;

/** One confirmed subscriber receiving an incident update, with their own unsubscribe link. */
export interface SubscriberRecipient {
  readonly subscriberId: number;
  readonly email: string;
  /**
   * One-click unsubscribe (RFC 8058): put it in `List-Unsubscribe: <url>` together with
   * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, and as a link in the body.
   */
  readonly unsubscribeUrl: string;
}

/** The public face of an incident: nothing internal (no notes, no responders). */
export interface PublicIncident {
  readonly ref: string;
  readonly title: string;
  readonly status: string;
  readonly impact: Impact;
  /** Names of the components it affects. */
  readonly components: readonly string[];
  /** The incident's public page. */
  readonly url: string;
}

/**
 * Subscriber email, planned by the notification engine. Both methods are called INSIDE the status
 * page's transaction (`trx`): write the deliveries and their jobs on it, so an email exists exactly
 * when the subscription change or incident update that caused it commits. Throwing rolls it back.
 */
export interface SubscriberMailer {
  /** Double opt-in: one email with the confirmation link (and an unsubscribe link). */
  confirmation(
    trx: Trx,
    message: {
      subscriberId: number;
      email: string;
      confirmUrl: string;
      unsubscribeUrl: string;
      pageTitle: string;
    },
  ): Promise<void>;
  /**
   * A public incident update for confirmed subscribers (called in batches of at most
   * {@link RECIPIENT_BATCH}). `eventId` is the timeline event: with the subscriber id it makes a
   * stable idempotency key.
   */
  incidentUpdate(
    trx: Trx,
    message: {
      recipients: readonly SubscriberRecipient[];
      incident: PublicIncident;
      eventId: number;
      publicMessage: string;
      pageTitle: string;
    },
  ): Promise<void>;
}

export const RECIPIENT_BATCH = 500;
