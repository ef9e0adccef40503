import type { DateTime } from 'luxon';
import { sql } from 'kysely';
import type { Db } from '../db/schema';
import type { Incident } from '../incidents/incident';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { toIncident } from '../incidents/incident.repository';
import { dateToken, link, mrkdwn } from './mrkdwn';
import { context, header, section, type KnownBlock } from './views/blocks';
import { affected, BUSINESS_SEVERITY, BUSINESS_STATUS } from './views/executive';
import { humanDuration, humanSeconds } from './views/format';

/** What an executive digest covers, for the period [from, to). */
export interface DigestData {
  /** Incidents open at `to` (started before it, not resolved by then), oldest first. */
  readonly open: readonly Incident[];
  /** Incidents resolved during the period, in order of resolution. */
  readonly resolved: readonly Incident[];
  /** Mean time from start to acknowledgement of incidents acknowledged in the period (seconds). */
  readonly mttaSeconds: number | null;
  /** Mean time from start to resolution of incidents resolved in the period (seconds). */
  readonly mttrSeconds: number | null;
}

/**
 * The digest's numbers for [from, to). Each mean is over the incidents whose acknowledgement (or
 * resolution) happened in the period, so consecutive digests never count one twice.
 */
export async function digestData(db: Db, from: DateTime, to: DateTime): Promise<DigestData> {
  const f = from.toJSDate();
  const t = to.toJSDate();
  const open = await db
    .selectFrom('incidents')
    .selectAll()
    .where('started_at', '<', t)
    .where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', t)]))
    .orderBy('started_at', 'asc')
    .execute();
  const resolved = await db
    .selectFrom('incidents')
    .selectAll()
    .where('resolved_at', '>=', f)
    .where('resolved_at', '<', t)
    .orderBy('resolved_at', 'asc')
    .execute();
  const means = await db
    .selectNoFrom([
      sql<number | null>`(select avg(extract(epoch from acknowledged_at - started_at))::float8 from incidents
        where acknowledged_at >= ${f} and acknowledged_at < ${t})`.as('mtta'),
      sql<number | null>`(select avg(extract(epoch from resolved_at - started_at))::float8 from incidents
        where resolved_at >= ${f} and resolved_at < ${t})`.as('mttr'),
    ])
    .executeTakeFirstOrThrow();
  return {
    open: open.map(toIncident),
    resolved: resolved.map(toIncident),
    mttaSeconds: means.mtta === null ? null : Number(means.mtta),
    mttrSeconds: means.mttr === null ? null : Number(means.mttr),
  };
}

export interface DigestInput {
  readonly orgName: string;
  readonly publicUrl: string;
  readonly from: DateTime;
  readonly to: DateTime;
  readonly data: DigestData;
  /** Service id → display name (config); unknown ids are shown as they are. */
  readonly serviceNames: Readonly<Record<string, string>>;
}

const MAX_LISTED = 15;

/**
 * The executive digest: open incidents, those resolved since the last digest, MTTA and MTTR, in
 * the same business language as the executive DMs (no titles, descriptions or severity codes).
 * Times are Slack date tokens, so each reader sees their own timezone. Pure.
 */
export function buildDigest(input: DigestInput): { text: string; blocks: KnownBlock[] } {
  const { data } = input;
  const names = (i: Incident) => affected(i.services.map((s) => input.serviceNames[s] ?? s));
  const openLines = data.open.map(
    (i) =>
      `• *${names(i)}*: ${BUSINESS_SEVERITY[i.severity].toLowerCase()} since ${dateToken(i.startedAt)}. ${BUSINESS_STATUS[i.status]}${
        i.impact.trim() ? ` Impact: ${mrkdwn(i.impact, 200)}` : ''
      } (${i.ref})`,
  );
  const resolvedLines = data.resolved.map(
    (i) =>
      `• *${names(i)}*: ${BUSINESS_SEVERITY[i.severity].toLowerCase()}, restored after ${humanDuration(i.startedAt, i.resolvedAt ?? input.to)} (${i.ref})`,
  );
  const list = (lines: string[], empty: string): string => {
    if (lines.length === 0) return empty;
    const more = lines.length > MAX_LISTED ? `\n…and ${lines.length - MAX_LISTED} more` : '';
    return lines.slice(0, MAX_LISTED).join('\n') + more;
  };
  const summary =
    `*${data.open.length}* open now · *${data.resolved.length}* resolved since the last digest\n` +
    `Average time to respond: *${humanSeconds(data.mttaSeconds)}* · average time to restore: *${humanSeconds(data.mttrSeconds)}*`;
  const blocks: KnownBlock[] = [
    header(`${input.orgName} incident digest`),
    section(summary),
    section(`*Open now*\n${list(openLines, 'No open incidents. :white_check_mark:')}`),
    section(`*Resolved since the last digest*\n${list(resolvedLines, 'None.')}`),
    context(`${dateToken(input.from)} to ${dateToken(input.to)} · ${link(input.publicUrl, 'status page')}`),
  ];
  const text = `${mrkdwn(input.orgName, 80)} incident digest: ${data.open.length} open, ${data.resolved.length} resolved; average time to respond ${humanSeconds(data.mttaSeconds)}, to restore ${humanSeconds(data.mttrSeconds)}.`;
  return { text, blocks };
}
