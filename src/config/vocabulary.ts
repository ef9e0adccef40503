/**
 * The closed vocabularies of Herald's configuration, as `as const` arrays (for validation and
 * menus) and their string-literal union types (for code). Other modules import these instead of
 * repeating the words, so adding a channel or a severity is one change.
 */

/** Most to least severe: an index comparison answers "at least as severe as". */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Who a person is for the purpose of wording and selection of notifications. */
export const AUDIENCES = ['technical', 'business', 'customer', 'executive'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** Channels that reach one person, using data from their `people` entry. */
export const PERSON_CHANNELS = ['slack', 'email', 'sms', 'sns_sms'] as const;
export type PersonChannel = (typeof PERSON_CHANNELS)[number];

/**
 * Every channel a rule may name: the person channels, plus channels that reach a place rather
 * than a person (SNS topic, PagerDuty, webhooks, the status page, the log, the incidents channel).
 */
export const CHANNELS = [
  ...PERSON_CHANNELS,
  'sns',
  'pagerduty',
  'webhook',
  'statuspage',
  'console',
  'slack_channel',
] as const;
export type Channel = (typeof CHANNELS)[number];

/** Incident lifecycle events a rule can react to. */
export const EVENT_KINDS = [
  'declared',
  'updated',
  'status_changed',
  'acknowledged',
  'escalated',
  'resolved',
  'reopened',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const INTEGRATION_TYPES = ['alertmanager', 'sns', 'generic'] as const;
export type IntegrationType = (typeof INTEGRATION_TYPES)[number];

/** Data a person channel needs, in the person entry's own (snake_case) key. */
export const CHANNEL_NEEDS: Readonly<Record<PersonChannel, 'slack_user_id' | 'email' | 'phone'>> = {
  slack: 'slack_user_id',
  email: 'email',
  sms: 'phone',
  sns_sms: 'phone',
};
