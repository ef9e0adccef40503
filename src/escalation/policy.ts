import type { DateTime } from 'luxon';
import {
  type EscalationPolicy,
  type HeraldFile,
  type Person,
  type PersonChannel,
  type Rule,
  type ScheduleOverride,
  type Severity,
} from '../config';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { ruleMatches } from '../notifications/rules';
import { explainOnCall, type OnCallSource } from './schedule';

/**
 * Escalation policies as pure functions: which policy an incident gets, who one level pages at a
 * given instant and on which channels, what comes after a step, and the whole timeline. The
 * engine (jobs, deliveries) and `herald who-is-paged` are built on these, so both always agree.
 */

/** What policy selection needs to know about an incident. */
export interface IncidentFacts {
  readonly severity: Severity;
  readonly services: readonly string[];
}

/** Runtime overrides (Slack, API) by schedule id, added after each schedule's config overrides. */
export type OverridesBySchedule = Readonly<Record<string, readonly ScheduleOverride[]>>;

/** Why a policy was chosen. */
export type PolicyReason =
  | { readonly kind: 'rule'; readonly ruleIndex: number; readonly ruleName: string }
  | { readonly kind: 'service'; readonly serviceId: string };

export interface PolicySelection {
  readonly policy: EscalationPolicy;
  readonly reason: PolicyReason;
}

/**
 * True when `rule` matches the declaration of an incident (the notification rules' own matcher,
 * for event `declared`): escalation starts at declaration, and a reopen restarts the same policy.
 */
export function ruleMatchesDeclaration(rule: Rule, incident: IncidentFacts): boolean {
  return ruleMatches(rule, { incident, eventKind: 'declared' });
}

/**
 * The escalation policy for an incident, and why. Precedence: the first rule (in file order) that
 * matches the declaration and names an `escalation_policy`; otherwise the first of the incident's
 * services (in the incident's order) that names one; otherwise none (notifications still go out,
 * nothing escalates). A rule wins over a service because it is the more specific decision: it can
 * depend on severity, a service cannot.
 */
export function policySelection(file: HeraldFile, incident: IncidentFacts): PolicySelection | undefined {
  const byId = (id: string): EscalationPolicy | undefined => file.escalationPolicies.find((p) => p.id === id);
  for (const [ruleIndex, rule] of file.rules.entries()) {
    if (rule.escalationPolicy === undefined || !ruleMatchesDeclaration(rule, incident)) continue;
    const policy = byId(rule.escalationPolicy);
    if (policy) return { policy, reason: { kind: 'rule', ruleIndex, ruleName: rule.name } };
  }
  for (const serviceId of incident.services) {
    const id = file.services.find((s) => s.id === serviceId)?.escalationPolicy;
    const policy = id === undefined ? undefined : byId(id);
    if (policy) return { policy, reason: { kind: 'service', serviceId } };
  }
  return undefined;
}

/** {@link policySelection} without the reason. */
export function selectPolicy(file: HeraldFile, incident: IncidentFacts): EscalationPolicy | undefined {
  return policySelection(file, incident)?.policy;
}

/** How a person came to be paged by a level. */
export type PagedVia =
  | { readonly kind: 'person' }
  | { readonly kind: 'group'; readonly id: string }
  | { readonly kind: 'schedule'; readonly id: string; readonly source: OnCallSource };

export interface PagedPerson {
  readonly personId: string;
  /**
   * Channels to page on, all at once: the level's `channels` the person has the data for (in the
   * level's order); when the level names none, or none the person can be reached on, the first
   * entry of their contact order. Empty only for a person with no contact data at all.
   */
  readonly channels: readonly PersonChannel[];
  /** Every target that resolved to this person (a person is paged once per level). */
  readonly via: readonly PagedVia[];
}

export interface LevelTargets {
  readonly people: readonly PagedPerson[];
  /** Slack channel ids posted to, deduplicated. */
  readonly slackChannels: readonly string[];
  /** Schedule targets with no one on call at that instant: why a level may reach fewer people. */
  readonly emptySchedules: readonly string[];
}

const HAS: Readonly<Record<PersonChannel, (p: Person) => boolean>> = {
  slack: (p) => p.slackUserId !== undefined,
  email: (p) => p.email !== undefined,
  sms: (p) => p.phone !== undefined,
  sns_sms: (p) => p.phone !== undefined,
};

function channelsFor(person: Person, levelChannels: readonly PersonChannel[] | undefined): PersonChannel[] {
  const usable = (levelChannels ?? []).filter((c) => HAS[c](person));
  if (usable.length > 0) return usable;
  const first = person.contactOrder[0];
  return first === undefined ? [] : [first];
}

/**
 * Who level `levelIndex` of `policy` pages at `at`: groups expand to their members, schedules to
 * whoever is on call at `at` (with `extraOverrides` for that schedule), people are deduplicated in
 * first-seen order. Throws RangeError for a level that does not exist (a bug in the caller).
 */
export function levelTargets(
  file: HeraldFile,
  policy: EscalationPolicy,
  levelIndex: number,
  at: DateTime,
  extraOverrides: OverridesBySchedule = {},
): LevelTargets {
  const level = policy.levels[levelIndex];
  if (level === undefined) throw new RangeError(`policy "${policy.id}" has no level ${levelIndex}`);
  const found = new Map<string, PagedVia[]>();
  const add = (personId: string, via: PagedVia): void => {
    const list = found.get(personId) ?? [];
    list.push(via);
    found.set(personId, list);
  };
  const slackChannels = new Set<string>();
  const emptySchedules: string[] = [];
  for (const target of level.targets) {
    if ('person' in target) add(target.person, { kind: 'person' });
    else if ('group' in target) {
      const group = file.groups.find((g) => g.id === target.group);
      group?.members.forEach((m) => add(m, { kind: 'group', id: target.group }));
    } else if ('schedule' in target) {
      const schedule = file.schedules.find((s) => s.id === target.schedule);
      if (schedule === undefined) continue;
      const onCall = explainOnCall(schedule, at, extraOverrides[schedule.id] ?? []);
      if (onCall.personIds.length === 0) emptySchedules.push(schedule.id);
      onCall.personIds.forEach((m) => add(m, { kind: 'schedule', id: schedule.id, source: onCall.source }));
    } else slackChannels.add(target.slackChannel);
  }
  const people: PagedPerson[] = [];
  for (const [personId, via] of found) {
    const person = file.people.find((p) => p.id === personId);
    people.push({ personId, channels: person ? channelsFor(person, level.channels) : [], via });
  }
  return { people, slackChannels: [...slackChannels], emptySchedules };
}

/** True when a level at some instant reaches no one: no person with a channel and no Slack channel. */
export function reachesNobody(targets: LevelTargets): boolean {
  return targets.slackChannels.length === 0 && targets.people.every((p) => p.channels.length === 0);
}

/** A position in a policy: `level` within `round` (round 0 is the first run, then one per repeat). */
export interface StepState {
  readonly level: number;
  readonly round: number;
}

export interface Step extends StepState {
  /** Minutes to wait after the previous step (after declaration for the first step). */
  readonly delayMinutes: number;
}

/** Never re-page a whole policy sooner than this after its last level. */
export const MIN_REPEAT_DELAY_MINUTES = 1;

/**
 * The wait between the last level of a round and level 0 of the next: the last level gets as long
 * to answer as the level before it got (its own `delay_minutes`; a one-level policy: level 0's),
 * at least {@link MIN_REPEAT_DELAY_MINUTES}. Level 0's own delay is a wait after *declaration*, so
 * it is not added again. Without this, a policy whose level 0 has delay 0 would page level 0 again
 * in the same minute as its last level.
 */
export function repeatDelayMinutes(policy: EscalationPolicy): number {
  const last = policy.levels[policy.levels.length - 1];
  return Math.max(MIN_REPEAT_DELAY_MINUTES, last?.delayMinutes ?? 0);
}

/** The first step: level 0 of round 0, `levels[0].delay_minutes` after declaration. */
export function firstStep(policy: EscalationPolicy): Step {
  return { level: 0, round: 0, delayMinutes: policy.levels[0]?.delayMinutes ?? 0 };
}

/**
 * The step after `state`, or null when the policy is exhausted (the last level of round
 * `repeat`). The next level comes `delay_minutes` of that level later; after the last level the
 * whole policy runs again (up to `repeat` times) after {@link repeatDelayMinutes}.
 */
export function nextStep(policy: EscalationPolicy, state: StepState): Step | null {
  const next = policy.levels[state.level + 1];
  if (next !== undefined)
    return { level: state.level + 1, round: state.round, delayMinutes: next.delayMinutes };
  if (state.round < policy.repeat) {
    return { level: 0, round: state.round + 1, delayMinutes: repeatDelayMinutes(policy) };
  }
  return null;
}

export interface TimelineStep extends Step {
  /** Minutes from declaration to this step. */
  readonly offsetMinutes: number;
  /** When this step falls due: declaration + offset. */
  readonly at: DateTime;
  /** Who it pages, evaluated at `at` (schedules may hand off in between). */
  readonly targets: LevelTargets;
}

/**
 * Every step of `policy` for an incident declared at `declaredAt`, with its due time and who it
 * pages then, assuming nobody acknowledges. `levels × (repeat + 1)` entries, in order.
 */
export function escalationTimeline(
  file: HeraldFile,
  policy: EscalationPolicy,
  declaredAt: DateTime,
  extraOverrides: OverridesBySchedule = {},
): TimelineStep[] {
  const out: TimelineStep[] = [];
  let offsetMinutes = 0;
  for (let step: Step | null = firstStep(policy); step !== null; step = nextStep(policy, step)) {
    offsetMinutes += step.delayMinutes;
    const at = declaredAt.plus({ minutes: offsetMinutes });
    out.push({
      ...step,
      offsetMinutes,
      at,
      targets: levelTargets(file, policy, step.level, at, extraOverrides),
    });
  }
  return out;
}

/** `schedule "primary" (layer weekly)`, `group "platform"`, `named directly`: for people to read. */
export function describeVia(via: PagedVia): string {
  if (via.kind === 'person') return 'named directly';
  if (via.kind === 'group') return `group "${via.id}"`;
  const s = via.source;
  const detail = s.kind === 'layer' ? `layer ${s.name}` : s.kind === 'override' ? `${s.origin} override` : '';
  return detail === '' ? `schedule "${via.id}"` : `schedule "${via.id}" (${detail})`;
}
