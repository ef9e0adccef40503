import type { Trx } from '../db/schema';
import type { DeliveryRequest, PlannerDeps } from './planner';
import { priorityOfRank } from './priority';
import { contactRank, personAddress } from './rules';
import type { DeliveryRow } from './tables';

/**
 * The delivery to plan when `d` gave up: the person's next contact method (by contact order) not
 * yet tried for this event, in the same lane as `d` (a page that fell back is still a page).
 * None for places, or when nothing is left to try.
 */
export async function fallbackFor(trx: Trx, deps: PlannerDeps, d: DeliveryRow): Promise<DeliveryRequest[]> {
  if (d.recipient_kind !== 'person') return [];
  const person = deps.file.people.find((p) => p.id === d.recipient_id);
  if (!person) return [];
  const tried = await trx
    .selectFrom('deliveries')
    .select('channel')
    .where('recipient_kind', '=', 'person')
    .where('recipient_id', '=', d.recipient_id)
    .where((eb) =>
      d.event_id === null ? eb('idempotency_key', '=', d.idempotency_key) : eb('event_id', '=', d.event_id),
    )
    .execute();
  const used = new Set(tried.map((t) => t.channel));
  const next = person.contactOrder.find(
    (c) => !used.has(c) && contactRank(person, c) > d.contact_rank && !deps.adapters[c].disabledReason,
  );
  const address = next ? personAddress(person, next) : undefined;
  if (!next || !address) return [];
  return [
    {
      incidentId: d.incident_id,
      eventId: d.event_id,
      severity: d.severity,
      recipientKind: 'person',
      recipientId: person.id,
      address,
      channel: next,
      audience: d.audience,
      rule: d.rule,
      contactRank: contactRank(person, next),
      fallbackFrom: d.id,
      priority: priorityOfRank(d.priority),
      template: d.template,
      content: d.content ?? undefined,
    },
  ];
}
