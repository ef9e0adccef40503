import { z } from 'zod';
import {
  email,
  hhmm,
  httpUrl,
  intBetween,
  isoDate,
  isoInstant,
  matching,
  oneOf,
  phone,
  proxyAddress,
  secret,
  slackChannelId,
  slackUserId,
  slackUsergroupId,
  slug,
  text,
  timezone,
  webhookSecret,
} from './fields';
import {
  AUDIENCES,
  CHANNEL_NEEDS,
  CHANNELS,
  EVENT_KINDS,
  INTEGRATION_TYPES,
  PERSON_CHANNELS,
  SEVERITIES,
  WEEKDAYS,
  type PersonChannel,
} from './vocabulary';

export * from './vocabulary';

/**
 * The `herald.yml` schema. YAML keys are snake_case (what operators write); the parsed value is
 * exposed as camelCase {@link HeraldFile} (what TypeScript code reads). Objects are strict so a
 * misspelt key fails loudly instead of silently doing nothing. Cross-references between sections
 * (a rule naming a group, a policy naming a schedule) are checked in `refs.ts`.
 */

/** What an SNS topic ARN looks like (partition, region, account, name). */
const SNS_TOPIC_ARN = /^arn:[a-z-]+:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$/;

const list = <T extends z.ZodType>(item: T) => z.array(item).default([]);
const withName = <T extends { id: string; name?: string | undefined }>(o: T) => ({
  ...o,
  name: o.name ?? o.id,
});
const window = z.strictObject({ start: hhmm, end: hhmm }).refine((w) => w.start !== w.end, {
  error: 'start and end must differ',
  path: ['end'],
});

const person = z
  .strictObject({
    id: slug,
    name: text,
    slack_user_id: slackUserId.optional(),
    email: email.optional(),
    phone: phone.optional(),
    timezone: timezone.default('UTC'),
    quiet_hours: window.optional(),
    audience: oneOf('audience', AUDIENCES).default('technical'),
    contact_order: z.array(oneOf('person channel', PERSON_CHANNELS)).optional(),
    digest_at: hhmm.optional(),
  })
  .superRefine((p, ctx) => {
    p.contact_order?.forEach((channel, i) => {
      const needs = CHANNEL_NEEDS[channel];
      if (p[needs] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['contact_order', i],
          message: `${channel} needs ${needs}, but person "${p.id}" has none`,
        });
      }
    });
  })
  .transform((p) => {
    // Default order: the fastest channel the person can be reached on first.
    const fallback: PersonChannel[] = ['slack', 'sms', 'email'];
    return {
      ...p,
      contact_order: p.contact_order ?? fallback.filter((c) => p[CHANNEL_NEEDS[c]] !== undefined),
    };
  });

const group = z
  .strictObject({
    id: slug,
    name: text.optional(),
    members: z.array(slug).min(1),
    slack_usergroup_id: slackUsergroupId.optional(),
  })
  .transform(withName);

const service = z
  .strictObject({
    id: slug,
    name: text.optional(),
    owner: slug.optional(),
    component: slug.optional(),
    escalation_policy: slug.optional(),
  })
  .transform(withName);

const rotation = z.union([z.enum(['daily', 'weekly']), z.strictObject({ hours: z.number().int().min(1) })], {
  error: 'expected daily, weekly or { hours: N } with N >= 1',
});

const layer = z.strictObject({
  name: text,
  members: z.array(slug).min(1),
  rotation,
  handoff: hhmm.default('00:00'),
  start: isoDate,
  restrict: z
    .strictObject({
      days: z
        .array(oneOf('day', WEEKDAYS))
        .min(1)
        .default([...WEEKDAYS]),
      start: hhmm,
      end: hhmm,
    })
    .refine((w) => w.start !== w.end, { error: 'start and end must differ', path: ['end'] })
    .optional(),
});

const override = z
  .strictObject({ person: slug, start: isoInstant, end: isoInstant })
  .refine((o) => o.end > o.start, { error: 'end must be after start', path: ['end'] });

const schedule = z
  .strictObject({
    id: slug,
    name: text.optional(),
    timezone: timezone.default('UTC'),
    layers: z.array(layer).min(1),
    overrides: list(override),
  })
  .transform(withName);

const TARGET_KEYS = ['person', 'group', 'schedule', 'slack_channel'] as const;
/** Who an escalation level pages: exactly one kind of target per entry. */
type RawTarget = { person: string } | { group: string } | { schedule: string } | { slack_channel: string };

const target = z
  .strictObject({
    person: slug.optional(),
    group: slug.optional(),
    schedule: slug.optional(),
    slack_channel: slackChannelId.optional(),
  })
  .refine((t) => TARGET_KEYS.filter((k) => t[k] !== undefined).length === 1, {
    error: `expected exactly one of: ${TARGET_KEYS.join(', ')}`,
  })
  .transform((t): RawTarget => {
    if (t.person !== undefined) return { person: t.person };
    if (t.group !== undefined) return { group: t.group };
    if (t.schedule !== undefined) return { schedule: t.schedule };
    return { slack_channel: t.slack_channel ?? '' };
  });

const level = z.strictObject({
  delay_minutes: intBetween(0, 1440).default(0),
  targets: z.array(target).min(1),
  /** Unset: each person is reached on the first entry of their contact_order. */
  channels: z.array(oneOf('person channel', PERSON_CHANNELS)).min(1).optional(),
});

const policy = z
  .strictObject({
    id: slug,
    name: text.optional(),
    repeat: intBetween(0, 10).default(0),
    levels: z.array(level).min(1),
    reminder_minutes: intBetween(1, 1440).optional(),
  })
  .transform(withName);

const rule = z.strictObject({
  name: text,
  when: z
    .strictObject({
      severity_at_least: oneOf('severity', SEVERITIES).optional(),
      severity: z.array(oneOf('severity', SEVERITIES)).min(1).optional(),
      services: z.array(slug).min(1).optional(),
      events: z
        .array(oneOf('event', EVENT_KINDS))
        .min(1)
        .default([...EVENT_KINDS]),
    })
    .refine((w) => w.severity_at_least === undefined || w.severity === undefined, {
      error: 'use either severity_at_least or severity, not both',
    })
    .prefault({}),
  notify: z
    .strictObject({
      audiences: list(oneOf('audience', AUDIENCES)),
      people: list(slug),
      groups: list(slug),
      channels: z.array(oneOf('channel', CHANNELS)).min(1),
      webhooks: list(slug),
      pagerduty_routing_key: secret(20, 'a PagerDuty integration key').optional(),
    })
    .refine((n) => !n.channels.includes('webhook') || n.webhooks.length > 0, {
      error: 'required when channels include webhook (list webhook ids)',
      path: ['webhooks'],
    }),
  escalation_policy: slug.optional(),
});

const webhook = z.strictObject({
  id: slug,
  url: httpUrl,
  secret: webhookSecret.optional(),
  timeout_ms: intBetween(100, 60000).default(10000),
});

/** Maps alerts to a service and/or severity when every `match` regex matches its label. */
const mappingRule = z
  .strictObject({
    match: z.array(z.strictObject({ label: text, regex: text })).min(1),
    service: slug.optional(),
    severity: oneOf('severity', SEVERITIES).optional(),
  })
  .refine((r) => r.service !== undefined || r.severity !== undefined, {
    error: 'set service, severity or both',
  });

const integration = z
  .strictObject({
    id: slug,
    type: oneOf('integration type', INTEGRATION_TYPES),
    token: secret(16),
    default_severity: oneOf('severity', SEVERITIES).default('high'),
    severity_label: text.default('severity'),
    service_label: text.default('service'),
    auto_resolve: z.boolean().default(true),
    default_service: slug.optional(),
    severity_map: list(z.strictObject({ value: text, severity: oneOf('severity', SEVERITIES) })),
    rules: list(mappingRule),
    /** SNS only: the topic ARNs whose messages are accepted; absent accepts any topic. */
    topics: z
      .array(matching(SNS_TOPIC_ARN, 'an SNS topic ARN like arn:aws:sns:eu-west-1:123456789012:alarms'))
      .min(1)
      .optional(),
  })
  .refine((i) => i.topics === undefined || i.type === 'sns', {
    error: 'only sns integrations take topics',
    path: ['topics'],
  });

const component = z
  .strictObject({ id: slug, name: text.optional(), group: text.optional(), description: text.optional() })
  .transform(withName);

/**
 * Who may do one thing from Slack: `everyone`, Slack user IDs, group ids, `owners` (the owner
 * groups of the services concerned) and `oncall` (whoever is on call now, in any schedule).
 */
const permission = (byDefault: readonly string[]) =>
  z
    .array(text)
    .min(1)
    .default([...byDefault]);
/** The default for actions whose effect reaches customers or the rota: not just anyone. */
export const RESTRICTED_DEFAULT = ['owners', 'oncall'] as const;
const EVERYONE = ['everyone'] as const;

/**
 * Which proxies' X-Forwarded-For Herald believes (fastify's `trustProxy`): none (false), every
 * one (true), the last N hops, or the proxies at these addresses/CIDRs. Behind a load balancer
 * the client address (subscribe rate limits, logs) is otherwise the balancer's.
 */
const trustProxy = z.union([z.boolean(), intBetween(1, 100), z.array(proxyAddress).min(1)], {
  error: 'expected false, true, a hop count (1..100) or a list of addresses/CIDRs',
});

/** The whole file, snake_case, as written (after `${ENV}` substitution). */
export const fileSchema = z
  .strictObject({
    organization: z.strictObject({ name: text.default('Herald') }).prefault({}),
    slack: z
      .strictObject({
        incidents_channel: slackChannelId.optional(),
        permissions: z
          .strictObject({
            declare: permission(EVERYONE),
            update: permission(EVERYONE),
            acknowledge: permission(EVERYONE),
            resolve: permission(EVERYONE),
            escalate: permission(EVERYONE),
            override: permission(RESTRICTED_DEFAULT),
            maintenance: permission(RESTRICTED_DEFAULT),
            publish: permission(RESTRICTED_DEFAULT),
          })
          .prefault({}),
      })
      .prefault({}),
    services: list(service),
    people: list(person),
    groups: list(group),
    schedules: list(schedule),
    escalation_policies: list(policy),
    rules: list(rule),
    webhooks: list(webhook),
    integrations: list(integration),
    http: z.strictObject({ trust_proxy: trustProxy.default(false) }).prefault({}),
    status_page: z
      .strictObject({
        title: text.optional(),
        components: list(component),
        /** Severities whose alert-opened incidents are published at once (default: none). */
        auto_publish: list(oneOf('severity', SEVERITIES)),
        subscribe_limits: z
          .strictObject({
            per_client_per_minute: intBetween(1, 100_000).default(10),
            global_per_minute: intBetween(1, 1_000_000).default(300),
            confirmations_per_address_per_day: intBetween(1, 100).default(3),
          })
          .prefault({}),
      })
      .prefault({}),
    ingest: z
      .strictObject({
        flap_window_minutes: intBetween(1, 1440).default(10),
        storm: z
          .strictObject({
            new_alerts_per_minute: intBetween(1, 1_000_000).default(100),
            update_interval_seconds: intBetween(5, 3600).default(60),
          })
          .prefault({}),
        max_in_flight: intBetween(1, 100_000).default(64),
        max_pool_waiting: intBetween(1, 100_000).default(32),
        retry_after_seconds: intBetween(1, 3600).default(1),
      })
      .prefault({}),
    auth_throttle: z
      .strictObject({
        max_failures: intBetween(1, 1_000_000).default(20),
        window_seconds: intBetween(1, 86_400).default(60),
      })
      .prefault({}),
    delivery: z
      .strictObject({
        max_attempts: intBetween(1, 20).default(5),
        ses_rate_per_second: z.number().positive().max(1000).default(14),
        claim_timeout_seconds: intBetween(1, 3600).default(60),
        bulk_share: z.number().min(0).max(1).default(0.2),
      })
      .prefault({}),
  })
  .transform((f) => ({
    ...f,
    status_page: { ...f.status_page, title: f.status_page.title ?? f.organization.name },
  }));

/** The parsed file before renaming to camelCase; what `refs.ts` checks (its paths are YAML's). */
export type RawFile = z.output<typeof fileSchema>;

type CamelKey<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelKey<Tail>>}`
  : S;

/** `T` with every object key renamed snake_case → camelCase, deeply readonly. Values are untouched. */
export type Camelized<T> = T extends readonly (infer U)[]
  ? readonly Camelized<U>[]
  : T extends object
    ? { readonly [K in keyof T as K extends string ? CamelKey<K> : K]: Camelized<T[K]> }
    : T;

/**
 * The validated, defaulted, deeply frozen `herald.yml`. Every id it mentions exists; every
 * section is present (empty when absent). `slack.incidentsChannel` is the effective channel
 * (`SLACK_INCIDENTS_CHANNEL` wins over the file).
 */
export type HeraldFile = Camelized<RawFile>;
export type Person = HeraldFile['people'][number];
export type Group = HeraldFile['groups'][number];
export type Service = HeraldFile['services'][number];
export type Schedule = HeraldFile['schedules'][number];
export type ScheduleLayer = Schedule['layers'][number];
export type ScheduleOverride = Schedule['overrides'][number];
/** `'daily' | 'weekly' | { hours: N }`; handoffs happen at `handoff` in the schedule's timezone. */
export type Rotation = ScheduleLayer['rotation'];
export type EscalationPolicy = HeraldFile['escalationPolicies'][number];
export type EscalationLevel = EscalationPolicy['levels'][number];
export type EscalationTarget = EscalationLevel['targets'][number];
export type Rule = HeraldFile['rules'][number];
export type Webhook = HeraldFile['webhooks'][number];
export type Integration = HeraldFile['integrations'][number];
export type StatusPageComponent = HeraldFile['statusPage']['components'][number];
