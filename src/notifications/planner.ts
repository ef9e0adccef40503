import type { DateTime } from 'luxon';
import type { Channel, HeraldFile } from '../config';
import type { Trx } from '../db/schema';
import type { ChangeSubscriber } from '../incidents/incident.service';
import { appendAudit, type AuditEntry } from './audit';
import type { ChannelAdapter } from './channels/types';
import { enqueueSendJobs, insertDeliveries, type NewDelivery } from './delivery.repository';
import { limitKey } from './ratelimit';
import { derivePriority, priorityRank, type Priority } from './priority';
import { plan, type PlannedDelivery } from './rules';
import type { RecipientKind } from './tables';
import { quietUntil } from './timing';

/**
 * Turns planned deliveries into rows and jobs inside the caller's transaction: the transactional
 * outbox. Each row starts in one of three states, decided here so the audit says why:
 * - `skipped`: the channel is off (no credentials); recorded, never silently dropped;
 * - `held`: a non-critical message inside the person's quiet hours, due when the window ends;
 * - `pending`: sent now by a worker job added in the same transaction.
 */
export interface PlannerDeps {
  readonly file: HeraldFile;
  readonly adapters: Readonly<Record<Channel, ChannelAdapter>>;
  readonly maxAttempts: number;
}

export interface DeliveryRequest {
  readonly incidentId: number | null;
  readonly eventId: number | null;
  readonly severity: string;
  readonly recipientKind: RecipientKind;
  readonly recipientId: string;
  readonly address: string;
  readonly channel: Channel;
  readonly audience: string;
  readonly rule: string | null;
  readonly contactRank?: number;
  readonly fallbackFrom?: number | null;
  /** `incident` renders from the incident event; other templates carry their `content`. */
  readonly template?: string;
  readonly content?: unknown;
  /** Distinguishes several deliveries to one recipient and channel for the same event. */
  readonly keySuffix?: string;
  /** The lane; absent: derived from recipient, audience, severity and rule (see priority.ts). */
  readonly priority?: Priority;
}

export function idempotencyKey(r: DeliveryRequest): string {
  const base = `${r.incidentId ?? '-'}:${r.eventId ?? '-'}:${r.recipientKind}:${r.recipientId}:${r.channel}`;
  return r.keySuffix ? `${base}:${r.keySuffix}` : base;
}

function initialState(
  deps: PlannerDeps,
  r: DeliveryRequest,
  now: DateTime,
): Pick<NewDelivery, 'status' | 'reason' | 'nextAttemptAt'> {
  const adapter = deps.adapters[r.channel];
  // PagerDuty without PAGERDUTY_ROUTING_KEY still works for a rule that names its own key.
  const ruleKey = r.channel === 'pagerduty' && r.recipientId.startsWith('rule:');
  if (adapter.disabledReason && !ruleKey) {
    return { status: 'skipped', reason: adapter.disabledReason, nextAttemptAt: null };
  }
  if (r.recipientKind === 'person' && r.severity !== 'critical') {
    const person = deps.file.people.find((p) => p.id === r.recipientId);
    const until = person ? quietUntil(person.quietHours, person.timezone, now) : undefined;
    if (until && person) {
      const local = until.setZone(person.timezone).toFormat('HH:mm');
      return {
        status: 'held',
        reason: `quiet hours until ${local} ${person.timezone}`,
        nextAttemptAt: until,
      };
    }
  }
  return { status: 'pending', reason: null, nextAttemptAt: now };
}

/** Inserts the deliveries (idempotently), audits them, and enqueues send jobs for the pending ones. */
export async function enqueueDeliveries(
  trx: Trx,
  deps: PlannerDeps,
  requests: readonly DeliveryRequest[],
  now: DateTime,
): Promise<number[]> {
  const rows: NewDelivery[] = requests.map((r) => ({
    incidentId: r.incidentId,
    eventId: r.eventId,
    idempotencyKey: idempotencyKey(r),
    recipientKind: r.recipientKind,
    recipientId: r.recipientId,
    address: r.address,
    channel: r.channel,
    audience: r.audience,
    severity: r.severity,
    rule: r.rule,
    template: r.template,
    content: r.content,
    maxAttempts: deps.maxAttempts,
    contactRank: r.contactRank ?? 0,
    fallbackFrom: r.fallbackFrom ?? null,
    priority: priorityRank(r.priority ?? derivePriority(r)),
    ...initialState(deps, r, now),
  }));
  const inserted = await insertDeliveries(trx, rows, now);
  const audit: AuditEntry[] = inserted.map((d) => ({
    at: now,
    kind:
      d.status === 'skipped'
        ? 'delivery.skipped'
        : d.status === 'held'
          ? 'delivery.held'
          : 'delivery.planned',
    incidentId: d.incident_id,
    deliveryId: d.id,
    data: {
      channel: d.channel,
      recipient: `${d.recipient_kind}:${d.recipient_id}`,
      rule: d.rule,
      reason: d.reason,
      fallback_from: d.fallback_from,
    },
  }));
  await appendAudit(trx, audit);
  const pending = inserted.filter((d) => d.status === 'pending');
  await enqueueSendJobs(
    trx,
    pending.map((d) => ({ id: d.id, key: limitKey(d.channel, d.address), priority: d.priority })),
  );
  return inserted.map((d) => d.id);
}

export function toRequest(
  p: PlannedDelivery,
  incident: { id: number; severity: string },
  eventId: number,
): DeliveryRequest {
  return {
    incidentId: incident.id,
    eventId,
    severity: incident.severity,
    recipientKind: p.recipientKind,
    recipientId: p.recipientId,
    address: p.address,
    channel: p.channel,
    audience: p.audience,
    rule: p.rule,
    contactRank: p.contactRank,
  };
}

/** The incident-change subscriber: rules → deliveries, in the change's own transaction. */
export function plannerSubscriber(
  deps: PlannerDeps & { snsTopicArn?: string },
  clock: { now(): DateTime },
): ChangeSubscriber {
  return async (trx, { incident, event }) => {
    const planned = plan(deps.file, { incident, eventKind: event.kind }, { snsTopicArn: deps.snsTopicArn });
    await enqueueDeliveries(
      trx,
      deps,
      planned.map((p) => toRequest(p, incident, event.id)),
      clock.now(),
    );
  };
}
