import { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import type { HeraldFile, Person } from '../config';
import type { Database, Trx } from '../db/schema';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { buildDigest, digestData } from '../slack/digest';
import { idempotencyKey, type DeliveryRequest } from './planner';
import { DIGEST_RULE } from './priority';

/**
 * Executives' daily digest: at `digest_at` in their own timezone, a Slack DM with the open
 * incidents, those resolved since the last digest, and MTTA/MTTR of that day. Each digest is a
 * recorded delivery (template `slack_blocks`) whose idempotency key names the local date, so
 * however many workers tick, each executive gets one a day.
 */
export interface DueDigest {
  readonly person: Person;
  /** The digest period: the day before `to`. */
  readonly from: DateTime;
  readonly to: DateTime;
  /** Local date of the digest, part of the idempotency key. */
  readonly day: string;
}

/** A digest that could not go out at its time (Herald down) still goes out within this window. */
const LATE_WINDOW_HOURS = 12;

/** Pure: which executives' digests are due at `now`. */
export function dueDigests(file: HeraldFile, now: DateTime): DueDigest[] {
  const out: DueDigest[] = [];
  for (const person of file.people) {
    if (person.audience !== 'executive' || !person.digestAt || !person.slackUserId) continue;
    const [hour, minute] = person.digestAt.split(':').map(Number);
    const local = now.setZone(person.timezone);
    const at = local.set({ hour, minute, second: 0, millisecond: 0 });
    if (now < at || now >= at.plus({ hours: LATE_WINDOW_HOURS })) continue;
    out.push({ person, from: at.minus({ days: 1 }).toUTC(), to: at.toUTC(), day: at.toISODate() ?? '' });
  }
  return out;
}

export async function planDueDigests(
  db: Kysely<Database>,
  file: HeraldFile,
  ctx: { orgName: string; publicUrl: string },
  now: DateTime,
  enqueue: (trx: Trx, requests: readonly DeliveryRequest[]) => Promise<number[]>,
): Promise<number> {
  let planned = 0;
  for (const due of dueDigests(file, now)) {
    const base = {
      incidentId: null,
      eventId: null,
      severity: 'info',
      recipientKind: 'person',
      recipientId: due.person.id,
      address: due.person.slackUserId ?? '',
      channel: 'slack',
      audience: 'executive',
      rule: DIGEST_RULE,
      template: 'slack_blocks',
      keySuffix: `digest:${due.day}`,
      priority: 'bulk',
    } as const;
    const exists = await db
      .selectFrom('deliveries')
      .select('id')
      .where('idempotency_key', '=', idempotencyKey(base))
      .executeTakeFirst();
    if (exists) continue; // planned already (by this or another worker)
    const digest = buildDigest({
      orgName: ctx.orgName,
      publicUrl: ctx.publicUrl,
      from: due.from,
      to: due.to,
      data: await digestData(db, due.from, due.to),
      serviceNames: Object.fromEntries(file.services.map((s) => [s.id, s.name])),
    });
    const ids = await db.transaction().execute((trx) =>
      enqueue(trx, [
        {
          ...base,
          content: {
            subject: `Daily incident digest ${due.day}`,
            text: digest.text,
            blocks: digest.blocks,
          },
        },
      ]),
    );
    planned += ids.length;
  }
  return planned;
}
