import { createHmac, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DateTime } from 'luxon';
import { z } from 'zod';
import type { Database, Db } from '../db/schema';
import { secretsEqual } from '../http/auth';
import { HeraldError } from '../common/errors';
import { assertCanAcknowledge, type Incident } from '../incidents/incident';

/**
 * Signed, expiring, single-use acknowledge links for pages sent by email and SMS, so a person
 * without Slack at hand can stop the escalation. The token is `payload.signature` (base64url):
 * the payload names the incident, the person, the expiry and a nonce; the HMAC-SHA256 key is a
 * random secret kept in the database (same for every process, survives restarts, needs no setup).
 * Single use is enforced by recording the nonce in the acknowledgement's own transaction, so a
 * refused acknowledgement (the incident was resolved meanwhile) leaves the link usable. A link is
 * also bound to the incident's open period (how many times it had been reopened when the page
 * was sent): a link sent before a resolve cannot acknowledge the reopened incident.
 */
export interface AckClaims {
  readonly incidentId: number;
  readonly personId: string;
  readonly expiresAt: number; // epoch ms
  readonly nonce: string;
  /** The incident's open period the page belonged to (see `openPeriod`). */
  readonly period: number;
}

const SECRET_NAME = 'ack-link-hmac';

export async function loadAckSecret(db: Kysely<Database>): Promise<Buffer> {
  await db
    .insertInto('herald_secrets')
    .values({ name: SECRET_NAME, value: randomBytes(32).toString('base64') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .selectFrom('herald_secrets')
    .select('value')
    .where('name', '=', SECRET_NAME)
    .executeTakeFirstOrThrow();
  return Buffer.from(row.value, 'base64');
}

const sign = (secret: Buffer, payload: string): string =>
  createHmac('sha256', secret).update(payload).digest('base64url');

/**
 * Compact on the wire (the link goes into SMS): incident, person, expiry (epoch s), nonce, open
 * period (left out when 0, so a first page's link is no longer than before; links issued before
 * periods existed have none and mean period 0).
 */
const wireClaims = z.strictObject({
  i: z.number().int().positive(),
  p: z.string().min(1).max(64),
  e: z.number().int(),
  n: z.string().min(8).max(32),
  r: z.number().int().min(1).max(1_000_000).optional(),
});

export function createAckToken(
  secret: Buffer,
  incidentId: number,
  personId: string,
  expiresAt: DateTime,
  period = 0,
): string {
  const wire: z.infer<typeof wireClaims> = {
    i: incidentId,
    p: personId,
    e: Math.floor(expiresAt.toSeconds()),
    n: randomBytes(9).toString('base64url'),
    ...(period > 0 ? { r: period } : {}),
  };
  const payload = Buffer.from(JSON.stringify(wire)).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

/** Verifies signature and expiry (not single use: that needs the database, see `useAckToken`). */
export function verifyAckToken(secret: Buffer, token: string, now: DateTime): AckClaims {
  const invalid = new HeraldError('Forbidden', 'this acknowledge link is not valid');
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || !secretsEqual(signature, sign(secret, payload)))
    throw invalid;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const w = wireClaims.safeParse(json);
  if (!w.success) throw invalid;
  if (w.data.e * 1000 <= now.toMillis())
    throw new HeraldError('Forbidden', 'this acknowledge link has expired');
  return {
    incidentId: w.data.i,
    personId: w.data.p,
    expiresAt: w.data.e * 1000,
    nonce: w.data.n,
    period: w.data.r ?? 0,
  };
}

/**
 * Refuses a link that no longer applies to the incident as it is now: resolved (409) or resolved
 * and reopened since the page was sent (410). Neither burns the nonce.
 */
export function assertLinkCurrent(claims: AckClaims, incident: Incident, currentPeriod: number): void {
  assertCanAcknowledge(incident);
  if (currentPeriod !== claims.period)
    throw new HeraldError(
      'Gone',
      `this link was sent before ${incident.ref} was resolved and reopened; use a link from a page about the reopened incident, or Slack`,
    );
}

/** Records the nonce; a second use of the same link is refused. Call inside the ack's transaction. */
export async function useAckToken(db: Db, claims: AckClaims, now: DateTime): Promise<void> {
  const res = await db
    .insertInto('ack_nonces')
    .values({
      nonce: claims.nonce,
      incident_id: claims.incidentId,
      person_id: claims.personId,
      used_at: now.toJSDate(),
    })
    .onConflict((oc) => oc.column('nonce').doNothing())
    .executeTakeFirst();
  if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) {
    throw new HeraldError('Conflict', 'this acknowledge link has already been used');
  }
}
