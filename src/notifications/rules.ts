import type { Audience, Channel, HeraldFile, Person, PersonChannel, Rule } from '../config';
import { PERSON_CHANNELS, SEVERITIES } from '../config/vocabulary';
import type { EventKind, Incident } from '../incidents/incident';
import type { RecipientKind } from './tables';

/**
 * Rule matching, pure: (incident, event, config) → the deliveries to plan. No I/O, no clock, so
 * it is tested with literal data and reused by dry runs.
 *
 * - A rule matches on severity (`severity_at_least` or an exact list), services (any overlap;
 *   absent = any) and event kind.
 * - People come from `people`, `groups` (their members) and `audiences` (everyone of that
 *   audience). Each gets one delivery per person channel the rule names that they can receive.
 * - Place channels (sns, pagerduty, webhook, statuspage, console) get one delivery each.
 * - PagerDuty only hears the events it has an action for (declared, escalated, reopened →
 *   trigger; acknowledged → acknowledge; resolved → resolve).
 * - The first rule to plan a (recipient, channel) pair wins; later rules do not duplicate it.
 */
export interface PlannedDelivery {
  readonly recipientKind: RecipientKind;
  readonly recipientId: string;
  readonly address: string;
  readonly channel: Channel;
  readonly audience: Audience;
  readonly rule: string;
  /** Index of the channel in the person's contact order (for fallback); 0 for places. */
  readonly contactRank: number;
}

export interface PlanInput {
  readonly incident: Pick<Incident, 'severity' | 'services'>;
  readonly eventKind: EventKind;
}

export interface PlanEnv {
  /** SNS topic from the environment, used when a rule names `sns`. */
  readonly snsTopicArn?: string;
  readonly pagerdutyRoutingKey?: string;
}

const PD_EVENTS: ReadonlySet<EventKind> = new Set([
  'declared',
  'escalated',
  'reopened',
  'acknowledged',
  'resolved',
]);

export function ruleMatches(rule: Rule, input: PlanInput): boolean {
  const { when } = rule;
  const sev = SEVERITIES.indexOf(input.incident.severity);
  if (when.severityAtLeast !== undefined && sev > SEVERITIES.indexOf(when.severityAtLeast)) return false;
  if (when.severity !== undefined && !when.severity.includes(input.incident.severity)) return false;
  if (when.services !== undefined && !when.services.some((s) => input.incident.services.includes(s)))
    return false;
  return when.events.includes(input.eventKind);
}

/** The address a person is reached at on a channel, or undefined when they lack the data. */
export function personAddress(person: Person, channel: PersonChannel): string | undefined {
  switch (channel) {
    case 'slack':
      return person.slackUserId;
    case 'email':
      return person.email;
    case 'sms':
    case 'sns_sms':
      return person.phone;
  }
}

export function isPersonChannel(c: Channel): c is PersonChannel {
  return (PERSON_CHANNELS as readonly string[]).includes(c);
}

/** Everyone a rule names, in config order, without repeats. */
export function ruleRecipients(file: HeraldFile, rule: Rule): Person[] {
  const ids = new Set<string>(rule.notify.people);
  for (const g of rule.notify.groups)
    for (const m of file.groups.find((x) => x.id === g)?.members ?? []) ids.add(m);
  for (const p of file.people) if (rule.notify.audiences.includes(p.audience)) ids.add(p.id);
  return file.people.filter((p) => ids.has(p.id));
}

/** Rank of a channel in a person's contact order (unlisted channels rank after the listed ones). */
export function contactRank(person: Person, channel: PersonChannel): number {
  const i = person.contactOrder.indexOf(channel);
  return i >= 0 ? i : person.contactOrder.length;
}

export function plan(file: HeraldFile, input: PlanInput, env: PlanEnv = {}): PlannedDelivery[] {
  const out: PlannedDelivery[] = [];
  const seen = new Set<string>();
  const add = (d: PlannedDelivery): void => {
    const key = `${d.recipientKind}:${d.recipientId}:${d.channel}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(d);
  };

  for (const rule of file.rules) {
    if (!ruleMatches(rule, input)) continue;
    const people = ruleRecipients(file, rule);
    for (const channel of rule.notify.channels) {
      if (isPersonChannel(channel)) {
        for (const person of people) {
          const address = personAddress(person, channel);
          if (address === undefined) continue; // config check warns; nothing to send to
          add({
            recipientKind: 'person',
            recipientId: person.id,
            address,
            channel,
            audience: person.audience,
            rule: rule.name,
            contactRank: contactRank(person, channel),
          });
        }
        continue;
      }
      for (const d of placeDeliveries(file, rule, channel, input, env)) add(d);
    }
  }
  return out;
}

function placeDeliveries(
  file: HeraldFile,
  rule: Rule,
  channel: Exclude<Channel, PersonChannel>,
  input: PlanInput,
  env: PlanEnv,
): PlannedDelivery[] {
  const base = { channel, rule: rule.name, contactRank: 0 } as const;
  switch (channel) {
    case 'webhook':
      return rule.notify.webhooks.map((id) => ({
        ...base,
        recipientKind: 'webhook' as const,
        recipientId: id,
        address: file.webhooks.find((w) => w.id === id)?.url ?? '',
        audience: 'technical' as const,
      }));
    case 'pagerduty':
      if (!PD_EVENTS.has(input.eventKind)) return [];
      return [
        {
          ...base,
          recipientKind: 'pagerduty',
          // The key itself is a secret: the row names the rule, the address says where it comes from.
          recipientId: rule.notify.pagerdutyRoutingKey ? `rule:${rule.name}` : 'env',
          address: 'events-v2',
          audience: 'technical',
        },
      ];
    case 'sns':
      return [
        {
          ...base,
          recipientKind: 'sns_topic',
          recipientId: env.snsTopicArn ?? 'SNS_TOPIC_ARN',
          address: env.snsTopicArn ?? '',
          audience: 'technical',
        },
      ];
    case 'statuspage':
      return [
        { ...base, recipientKind: 'statuspage', recipientId: 'public', address: '/', audience: 'customer' },
      ];
    case 'console':
      return [
        { ...base, recipientKind: 'console', recipientId: 'log', address: 'stdout', audience: 'technical' },
      ];
    case 'slack_channel': {
      const ch = file.slack.incidentsChannel;
      return [
        {
          ...base,
          recipientKind: 'slack_channel',
          recipientId: ch ?? 'SLACK_INCIDENTS_CHANNEL',
          address: ch ?? '',
          audience: 'technical',
        },
      ];
    }
  }
}
