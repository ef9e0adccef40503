import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database, Db, Trx } from '../db/schema';
import type { Clock } from '../common/clock';
import { HeraldError } from '../common/errors';
import { notifyChange } from './listener';
import {
  RECIPIENT_BATCH,
  type PublicIncident,
  type SubscriberMailer,
  type SubscriberRecipient,
} from './ports';

/** A confirmation link is valid this long. */
export const CONFIRM_TTL_HOURS = 48;
/** A pending address is sent at most one confirmation per this many minutes (no mail bombing). */
export const RESEND_AFTER_MINUTES = 10;
/** Default cap on confirmation emails to one mailbox in 24 hours. */
export const CONFIRMATIONS_PER_DAY = 3;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * The inbox an address reaches, for counting: lower-cased, with a "+tag" removed from the local
 * part (ann+x@example.com and Ann@Example.com are one inbox). Dots are kept: only some providers
 * (gmail) ignore them, and treating a.b@ and ab@ as one elsewhere would limit two people as one.
 */
export function mailboxOf(email: string): string {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const plus = local.indexOf('+');
  const base = plus > 0 ? local.slice(0, plus) : local;
  return `${base}${email.slice(at)}`.toLowerCase();
}

/**
 * Email subscriptions with double opt-in. `subscribe` answers the same whatever the address's
 * state (no way to learn who is subscribed); the confirmation token is random and stored only as
 * a hash; GET never changes state (pages POST back); unsubscribe links are HMAC-signed with a key
 * kept in the database, so they need no row per email and work in every process.
 */
export class SubscriberService {
  private key: Promise<Buffer> | null = null;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      clock: Clock;
      mailer: SubscriberMailer;
      /** No trailing slash. */
      publicUrl: string;
      pageTitle: string;
      /** Confirmation emails to one mailbox (see mailboxOf) in 24 hours; default 3. */
      confirmationsPerDay?: number;
    },
  ) {}

  /**
   * Creates or refreshes a pending subscription and plans its confirmation email, unless its
   * mailbox had its daily share of confirmations already: then nothing changes at all (the old
   * link keeps working), and the caller answers exactly as if an email were on its way.
   */
  async subscribe(email: string): Promise<void> {
    const now = this.deps.clock.now();
    const token = randomBytes(32).toString('base64url');
    const resendBefore = now.minus({ minutes: RESEND_AFTER_MINUTES }).toJSDate();
    const mailbox = mailboxOf(email);
    const dayAgo = now.minus({ days: 1 }).toJSDate();
    await this.deps.db.transaction().execute(async (trx) => {
      // One subscribe per mailbox at a time, so concurrent +tag requests cannot all pass the count.
      await sql`select pg_advisory_xact_lock(hashtextextended(${`subscribe:${mailbox}`}, 0))`.execute(trx);
      await trx
        .deleteFrom('status_subscriber_confirmations')
        .where('mailbox', '=', mailbox)
        .where('sent_at', '<=', dayAgo)
        .execute();
      const sent = await trx
        .selectFrom('status_subscriber_confirmations')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('mailbox', '=', mailbox)
        .executeTakeFirstOrThrow();
      if (Number(sent.n) >= (this.deps.confirmationsPerDay ?? CONFIRMATIONS_PER_DAY)) return;
      const row = await trx
        .insertInto('status_subscribers')
        .values({
          email,
          status: 'pending',
          confirm_token_hash: sha256(token),
          confirm_expires_at: now.plus({ hours: CONFIRM_TTL_HOURS }).toJSDate(),
          created_at: now.toJSDate(),
          updated_at: now.toJSDate(),
        })
        .onConflict((oc) =>
          oc
            .expression(sql`lower(email)`)
            .doUpdateSet({
              email,
              status: 'pending',
              confirm_token_hash: sha256(token),
              confirm_expires_at: now.plus({ hours: CONFIRM_TTL_HOURS }).toJSDate(),
              updated_at: now.toJSDate(),
            })
            .where((eb) =>
              eb.or([
                eb('status_subscribers.status', '=', 'unsubscribed'),
                eb.and([
                  eb('status_subscribers.status', '=', 'pending'),
                  eb('status_subscribers.updated_at', '<', resendBefore),
                ]),
              ]),
            ),
        )
        .returning(['id', 'email'])
        .executeTakeFirst();
      if (!row) return; // confirmed already, or a confirmation was sent moments ago
      await trx
        .insertInto('status_subscriber_confirmations')
        .values({ mailbox, sent_at: now.toJSDate() })
        .execute();
      await this.deps.mailer.confirmation(trx, {
        subscriberId: row.id,
        email: row.email,
        confirmUrl: `${this.deps.publicUrl}/subscribe/confirm?token=${token}`,
        unsubscribeUrl: await this.unsubscribeUrl(trx, row.id),
        pageTitle: this.deps.pageTitle,
      });
    });
  }

  /** Confirms a pending subscription; a repeat (double click) is not an error. */
  async confirm(token: string): Promise<{ email: string; already: boolean }> {
    const now = this.deps.clock.now().toJSDate();
    const row = await this.deps.db
      .selectFrom('status_subscribers')
      .select(['id', 'email', 'status', 'confirm_expires_at'])
      .where('confirm_token_hash', '=', sha256(token))
      .executeTakeFirst();
    if (row?.status === 'confirmed') return { email: row.email, already: true };
    if (!row || row.status !== 'pending' || !row.confirm_expires_at || row.confirm_expires_at <= now) {
      throw new HeraldError(
        'NotFound',
        'This confirmation link is invalid or has expired. Please subscribe again.',
      );
    }
    const changed = await this.changeAndAnnounce(row.id, (trx) =>
      trx
        .updateTable('status_subscribers')
        .set({ status: 'confirmed', confirmed_at: now, updated_at: now })
        .where('id', '=', row.id)
        .where('status', '=', 'pending')
        .executeTakeFirst(),
    );
    return { email: row.email, already: !changed }; // a concurrent confirm of the same link won
  }

  /** Idempotent; a forged or garbled token is a NotFound. */
  async unsubscribe(token: string): Promise<void> {
    const id = await this.verifyUnsubscribeToken(token);
    if (id === null) throw new HeraldError('NotFound', 'This unsubscribe link is invalid.');
    const now = this.deps.clock.now().toJSDate();
    await this.changeAndAnnounce(id, (trx) =>
      trx
        .updateTable('status_subscribers')
        .set({ status: 'unsubscribed', unsubscribed_at: now, updated_at: now })
        .where('id', '=', id)
        .where('status', '<>', 'unsubscribed')
        .executeTakeFirst(),
    );
  }

  /**
   * Runs `update` and, only when it changed a row, announces it (NOTIFY, in the same transaction).
   * A repeated click or a mail client re-posting the one-click unsubscribe changes nothing, and
   * must not make every web process drop and re-render its pages.
   */
  private async changeAndAnnounce(
    id: number,
    update: (trx: Trx) => Promise<{ numUpdatedRows: bigint }>,
  ): Promise<boolean> {
    return this.deps.db.transaction().execute(async (trx) => {
      const { numUpdatedRows } = await update(trx);
      if (numUpdatedRows === 0n) return false;
      await notifyChange(trx, `subscriber:${id}`);
      return true;
    });
  }

  /** Checks the token's signature without touching any row (for the GET confirmation page). */
  async verifyUnsubscribeToken(token: string): Promise<number | null> {
    const m = /^(\d{1,9})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return null;
    const id = Number(m[1]);
    const expected = Buffer.from(await this.sign(this.deps.db, id));
    const given = Buffer.from(m[2] as string);
    return expected.length === given.length && timingSafeEqual(expected, given) ? id : null;
  }

  async unsubscribeUrl(db: Db, id: number): Promise<string> {
    return `${this.deps.publicUrl}/unsubscribe?token=${id}.${await this.sign(db, id)}`;
  }

  /** Plans one public update for every confirmed subscriber, inside the incident's transaction. */
  async notifyIncidentUpdate(
    trx: Trx,
    incident: PublicIncident,
    eventId: number,
    publicMessage: string,
  ): Promise<number> {
    let after = 0;
    let sent = 0;
    for (;;) {
      const rows = await trx
        .selectFrom('status_subscribers')
        .select(['id', 'email'])
        .where('status', '=', 'confirmed')
        .where('id', '>', after)
        .orderBy('id')
        .limit(RECIPIENT_BATCH)
        .execute();
      if (rows.length === 0) return sent;
      const recipients: SubscriberRecipient[] = [];
      for (const r of rows) {
        recipients.push({
          subscriberId: r.id,
          email: r.email,
          unsubscribeUrl: await this.unsubscribeUrl(trx, r.id),
        });
      }
      await this.deps.mailer.incidentUpdate(trx, {
        recipients,
        incident,
        eventId,
        publicMessage,
        pageTitle: this.deps.pageTitle,
      });
      sent += rows.length;
      after = rows[rows.length - 1]?.id ?? after;
    }
  }

  private async sign(db: Db, id: number): Promise<string> {
    const key = await this.signingKey(db);
    return createHmac('sha256', key).update(`unsubscribe:${id}`).digest('base64url');
  }

  private signingKey(db: Db): Promise<Buffer> {
    this.key ??= db
      .selectFrom('status_settings')
      .select('signing_key')
      .executeTakeFirstOrThrow()
      .then((r) => Buffer.from(r.signing_key, 'utf8'));
    this.key.catch(() => (this.key = null));
    return this.key;
  }
}
