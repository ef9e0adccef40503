import type { RecipientKind } from './tables';

/**
 * Delivery priority lanes, most urgent first. A page must never queue behind a flood of
 * status-page confirmation emails sharing the same SES quota, so every delivery carries its lane
 * (`deliveries.priority`, the lane's index) and every shared resource serves lanes in this order:
 * graphile-worker job priority, the tick's due scan, send slots and each channel's rate limit.
 *
 * - `page`: escalation levels, and critical/high notifications to responders (technical people,
 *   PagerDuty): someone must act now.
 * - `responder`: every other responder update (lower severities, places like webhooks and the
 *   incidents channel).
 * - `stakeholder`: business, customer-facing and executive people, the status page.
 * - `bulk`: status-page subscribers (confirmations, public updates) and digests: many messages,
 *   none urgent; never more than `delivery.bulk_share` of a rate-limited channel while higher
 *   lanes wait.
 */
export const PRIORITIES = ['page', 'responder', 'stakeholder', 'bulk'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** The lane's rank: 0 is served first. Stored in `deliveries.priority` and job payloads. */
export function priorityRank(p: Priority): number {
  return PRIORITIES.indexOf(p);
}

/** The lane of a stored rank; an unknown rank (a newer version's) is treated as `responder`. */
export function priorityOfRank(rank: number | undefined): Priority {
  return PRIORITIES[rank ?? 1] ?? 'responder';
}

export const BULK_RANK = priorityRank('bulk');

/** What the lane of a delivery is decided from (a subset of a delivery request). */
export interface LaneInput {
  readonly recipientKind: RecipientKind;
  readonly audience: string;
  readonly severity: string;
  readonly rule: string | null;
}

/** Rules whose deliveries are digests: bulk whoever receives them. */
export const DIGEST_RULE = 'executive-digest';

/**
 * The lane of a delivery that does not name one. Kept in step with the backfill of migration
 * 20261128T0100_delivery_priority, which applies the same rules in SQL to rows planned before.
 */
export function derivePriority(r: LaneInput): Priority {
  if (r.recipientKind === 'email_address' || r.rule === DIGEST_RULE) return 'bulk';
  if (r.rule?.startsWith('escalation:')) return 'page';
  if (r.recipientKind === 'statuspage' || (r.recipientKind === 'person' && r.audience !== 'technical'))
    return 'stakeholder';
  if (
    (r.recipientKind === 'person' || r.recipientKind === 'pagerduty') &&
    (r.severity === 'critical' || r.severity === 'high')
  )
    return 'page';
  return 'responder';
}
