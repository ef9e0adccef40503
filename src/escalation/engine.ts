import { sql, type Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { EscalationPolicy, HeraldFile } from '../config';
import type { Database, Trx } from '../db/schema';
import { refOf, type Incident, type TimelineEvent } from '../incidents/incident';
import type { ChangeSubscriber, IncidentService } from '../incidents/incident.service';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import type { DeliveryRequest } from '../notifications/planner';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { contactRank, personAddress } from '../notifications/rules';
import type { Clock } from '../common/clock';
import { activeOverrides } from './overrides';
import { firstStep, levelTargets, nextStep, policySelection, type Step } from './policy';

/**
 * The escalation engine. Its subscriber keeps one `escalations` row per incident in step with the
 * incident's events, inside their transactions: a declaration pages level 0 and sets when the next
 * step is due; an `escalated` event (from the tick, the Escalate button or the API) pages the next
 * level; acknowledge and resolve stop it. The tick fires due steps through
 * `IncidentService.escalate` in the tick's own transaction, holding the incident's row lock, so
 * the check and the escalation commit together.
 */
export interface EngineDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly file: HeraldFile;
  readonly incidents: IncidentService;
  readonly enqueue: (trx: Trx, requests: readonly DeliveryRequest[]) => Promise<number[]>;
  /** Where "acknowledged but no update" reminders go (the incident's Slack thread); absent = none. */
  readonly remind?: (trx: Trx, incidentId: number, text: string, at: DateTime) => Promise<void>;
}

export const ENGINE_ACTOR = 'system:escalation';

export function escalationSubscriber(deps: EngineDeps): ChangeSubscriber {
  return async (trx, { incident, event }) => {
    const now = event.at;
    switch (event.kind) {
      case 'declared':
      case 'reopened':
        return start(deps, trx, incident, event, now);
      case 'escalated':
        return advance(deps, trx, incident, event, now);
      case 'acknowledged':
        return stop(trx, incident.id, now, reminderAt(deps, incident, now));
      case 'resolved':
        return stop(trx, incident.id, now, null);
      default:
        // A status change or update on an acknowledged incident pushes its reminder back.
        if (incident.acknowledgedAt) await stop(trx, incident.id, now, reminderAt(deps, incident, now));
    }
  };
}

function policyOf(deps: EngineDeps, id: string): EscalationPolicy | undefined {
  return deps.file.escalationPolicies.find((p) => p.id === id);
}

function reminderAt(deps: EngineDeps, incident: Incident, now: DateTime): DateTime | null {
  const selection = policySelection(deps.file, incident);
  const minutes = selection?.policy.reminderMinutes;
  return minutes ? now.plus({ minutes }) : null;
}

async function start(
  deps: EngineDeps,
  trx: Trx,
  incident: Incident,
  event: TimelineEvent,
  now: DateTime,
): Promise<void> {
  const selection = policySelection(deps.file, incident);
  if (!selection) return;
  const policy = selection.policy;
  const first = firstStep(policy);
  let state: { level: number | null; round: number | null; next: Step | null; nextAt: DateTime | null };
  if (first.delayMinutes > 0) {
    state = { level: null, round: null, next: first, nextAt: now.plus({ minutes: first.delayMinutes }) };
  } else {
    await page(deps, trx, incident, event, policy, first, now);
    const next = nextStep(policy, first);
    state = {
      level: first.level,
      round: first.round,
      next,
      nextAt: next ? now.plus({ minutes: next.delayMinutes }) : null,
    };
  }
  const row = {
    incident_id: incident.id,
    policy_id: policy.id,
    level: state.level,
    round: state.round,
    next_level: state.next?.level ?? null,
    next_round: state.next?.round ?? null,
    next_at: state.nextAt?.toJSDate() ?? null,
    reminder_at: null,
    updated_at: now.toJSDate(),
  };
  await trx
    .insertInto('escalations')
    .values(row)
    .onConflict((oc) => oc.column('incident_id').doUpdateSet(row))
    .execute();
}

async function advance(
  deps: EngineDeps,
  trx: Trx,
  incident: Incident,
  event: TimelineEvent,
  now: DateTime,
): Promise<void> {
  const esc = await trx
    .selectFrom('escalations')
    .selectAll()
    .where('incident_id', '=', incident.id)
    .forUpdate()
    .executeTakeFirst();
  const policy = esc ? policyOf(deps, esc.policy_id) : undefined;
  if (!esc || !policy) return; // no policy: the rules still notify on `escalated`
  // The step due next; once exhausted, a manual escalation pages the last level again.
  const step: Step =
    esc.next_level !== null && esc.next_round !== null
      ? { level: esc.next_level, round: esc.next_round, delayMinutes: 0 }
      : { level: esc.level ?? policy.levels.length - 1, round: esc.round ?? 0, delayMinutes: 0 };
  await page(deps, trx, incident, event, policy, step, now);
  const next = nextStep(policy, step);
  // An acknowledged incident escalated by hand pages once; nothing further fires on its own.
  const nextAt = next && !incident.acknowledgedAt ? now.plus({ minutes: next.delayMinutes }) : null;
  await trx
    .updateTable('escalations')
    .set({
      level: step.level,
      round: step.round,
      next_level: next?.level ?? null,
      next_round: next?.round ?? null,
      next_at: nextAt?.toJSDate() ?? null,
      updated_at: now.toJSDate(),
    })
    .where('incident_id', '=', incident.id)
    .execute();
}

async function stop(trx: Trx, incidentId: number, now: DateTime, reminder: DateTime | null): Promise<void> {
  await trx
    .updateTable('escalations')
    .set({ next_at: null, reminder_at: reminder?.toJSDate() ?? null, updated_at: now.toJSDate() })
    .where('incident_id', '=', incidentId)
    .execute();
}

/** Plans the deliveries of one level: each person on their level channels, and Slack channels. */
async function page(
  deps: EngineDeps,
  trx: Trx,
  incident: Incident,
  event: TimelineEvent,
  policy: EscalationPolicy,
  step: Step,
  now: DateTime,
): Promise<void> {
  const targets = levelTargets(deps.file, policy, step.level, now, await activeOverrides(trx, now));
  const rule = `escalation:${policy.id}:level-${step.level}${step.round ? `:round-${step.round}` : ''}`;
  const requests: DeliveryRequest[] = [];
  for (const paged of targets.people) {
    const person = deps.file.people.find((p) => p.id === paged.personId);
    if (!person) continue;
    for (const channel of paged.channels) {
      const address = personAddress(person, channel);
      if (!address) continue;
      requests.push({
        incidentId: incident.id,
        eventId: event.id,
        severity: incident.severity,
        recipientKind: 'person',
        recipientId: person.id,
        address,
        channel,
        audience: 'technical', // a page is for a responder, whatever their usual audience
        rule,
        contactRank: contactRank(person, channel),
        priority: 'page',
      });
    }
  }
  for (const ch of targets.slackChannels) {
    requests.push({
      incidentId: incident.id,
      eventId: event.id,
      severity: incident.severity,
      recipientKind: 'slack_channel',
      recipientId: ch,
      address: ch,
      channel: 'slack_channel',
      audience: 'technical',
      rule,
      priority: 'page',
    });
  }
  await deps.enqueue(trx, requests);
}

/**
 * Fires every escalation step that is due at the clock's now. Each runs in its own transaction
 * that first takes the incident's row lock (skipping incidents another worker holds), re-checks
 * that the step is still due and the incident still unacknowledged, and only then escalates.
 * After downtime, an overdue step fires once and the next one is scheduled from now.
 */
export async function fireDueEscalations(deps: EngineDeps, limit = 100): Promise<number> {
  const now = deps.clock.now();
  const due = await dueIncidents(deps, 'next_at', now, limit);
  let fired = 0;
  const fire = async (id: number): Promise<void> => {
    const done = await deps.db.transaction().execute(async (trx) => {
      const locked = await sql<{ status: string; acknowledged_at: Date | null }>`
        select status, acknowledged_at from incidents where id = ${id} for update skip locked`.execute(trx);
      const inc = locked.rows[0];
      if (!inc) return false; // another worker holds it, or it is gone
      const esc = await trx
        .selectFrom('escalations')
        .selectAll()
        .where('incident_id', '=', id)
        .executeTakeFirst();
      if (!esc?.next_at || esc.next_at.getTime() > now.toMillis()) return false;
      if (inc.status === 'resolved' || inc.acknowledged_at) {
        await trx.updateTable('escalations').set({ next_at: null }).where('incident_id', '=', id).execute();
        return false;
      }
      const level = esc.next_level ?? 0;
      const message =
        esc.level === null
          ? `Paging level ${level + 1}`
          : `No acknowledgement: escalating to level ${level + 1}${esc.next_round ? ` (round ${esc.next_round + 1})` : ''}`;
      await deps.incidents.escalate(refOf(id), ENGINE_ACTOR, message, trx);
      return true;
    });
    if (done) fired++;
  };
  // A few at a time: each is its own transaction under its own row lock, so they cannot clash.
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < due.length) await fire((due[next++] as { incident_id: number }).incident_id);
  };
  await Promise.all(Array.from({ length: FIRE_CONCURRENCY }, lane));
  return fired;
}

const FIRE_CONCURRENCY = 4;

/** Incidents whose escalation step (or reminder) is due at `now`, oldest first (index scan). */
function dueIncidents(
  deps: EngineDeps,
  column: 'next_at' | 'reminder_at',
  now: DateTime,
  limit: number,
): Promise<{ incident_id: number }[]> {
  return deps.db
    .selectFrom('escalations')
    .select('incident_id')
    .where(column, '<=', now.toJSDate())
    .orderBy(column)
    .limit(limit)
    .execute();
}

/**
 * Reminds the owner of an acknowledged incident that has had no update for the policy's
 * `reminder_minutes`, then re-arms the reminder. Same locking as `fireDueEscalations`.
 */
export async function fireDueReminders(deps: EngineDeps, limit = 100): Promise<number> {
  const now = deps.clock.now();
  const due = await dueIncidents(deps, 'reminder_at', now, limit);
  let sent = 0;
  for (const { incident_id: id } of due) {
    const done = await deps.db.transaction().execute(async (trx) => {
      const locked = await sql<{ status: string; acknowledged_by: string | null; updated_at: Date }>`
        select status, acknowledged_by, updated_at from incidents where id = ${id} for update skip locked`.execute(
        trx,
      );
      const inc = locked.rows[0];
      if (!inc) return false;
      const esc = await trx
        .selectFrom('escalations')
        .selectAll()
        .where('incident_id', '=', id)
        .executeTakeFirst();
      const minutes = esc ? policyOf(deps, esc.policy_id)?.reminderMinutes : undefined;
      if (!esc?.reminder_at || esc.reminder_at.getTime() > now.toMillis()) return false;
      const stillOwned = inc.status !== 'resolved' && inc.acknowledged_by !== null && minutes !== undefined;
      await trx
        .updateTable('escalations')
        .set({ reminder_at: stillOwned ? now.plus({ minutes }).toJSDate() : null })
        .where('incident_id', '=', id)
        .execute();
      if (!stillOwned || !deps.remind) return false;
      const quiet = Math.round(now.diff(DateTime.fromJSDate(inc.updated_at), 'minutes').minutes);
      await deps.remind(
        trx,
        id,
        `Reminder: ${refOf(id)} is acknowledged but has had no update for ${quiet} minutes. Post an update or resolve it.`,
        now,
      );
      return true;
    });
    if (done) sent++;
  }
  return sent;
}
