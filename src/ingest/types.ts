import type { DateTime } from 'luxon';
import type { Severity } from '../config/vocabulary';

/**
 * What every sender (Alertmanager, CloudWatch through SNS, the generic hook) is reduced to at the
 * edge, after validation and mapping. Everything past the edge reads only this.
 */
export interface IncomingAlert {
  /** Stable identity of the alert within its group (Alertmanager fingerprint, alarm ARN, dedup_key). */
  readonly fingerprint: string;
  readonly status: 'firing' | 'resolved';
  /** Short name (alertname, AlarmName, title). */
  readonly name: string;
  /** One line for people (summary annotation, alarm description, title). */
  readonly summary: string;
  readonly labels: Readonly<Record<string, string>>;
  /** A configured service id, or null when nothing maps to one. */
  readonly service: string | null;
  readonly severity: Severity;
  /** When the sender says the alert began; null when it does not say. */
  readonly startsAt: DateTime | null;
  readonly url: string | null;
}

/** One request's worth of alerts, all for one group. */
export interface AlertBatch {
  readonly integrationId: string;
  readonly autoResolve: boolean;
  readonly groupKey: string;
  /** The service storms are counted against (the group's main service; '' for none). */
  readonly service: string;
  /** The title of the incident this group opens, if it opens one. */
  readonly title: string;
  readonly alerts: readonly IncomingAlert[];
}

/** How calm Herald stays; every field has a default (see {@link DEFAULT_POLICY}). */
export interface IngestPolicy {
  /** An alert that fires again this soon after resolving is flapping, not new. */
  readonly flapWindowMinutes: number;
  /** New alerts per minute for one service above which new groups collapse into one incident. */
  readonly stormNewAlertsPerMinute: number;
  /** In a storm, at most one "N more alerts" timeline event per incident per this many seconds. */
  readonly stormUpdateIntervalSeconds: number;
}

export const DEFAULT_POLICY: IngestPolicy = {
  flapWindowMinutes: 10,
  stormNewAlertsPerMinute: 100,
  stormUpdateIntervalSeconds: 60,
};

/** Mapping of alerts to services and severities, per integration, beyond the config's labels. */
export interface IntegrationMapping {
  /** Service when no label or rule names a configured one. */
  readonly defaultService?: string;
  /** Extra label values → severity (case-insensitive), checked before the built-in synonyms. */
  readonly severityMap?: Readonly<Record<string, Severity>>;
  /** First match wins. */
  readonly rules?: readonly MappingRule[];
}

/**
 * `match` maps a label name to a regular expression that must match the whole label value (for
 * CloudWatch alarms the labels are `alarm_name`, `namespace`, `metric_name`, `region`,
 * `account_id`). A rule sets the service, the severity, or both.
 */
export interface MappingRule {
  readonly match: Readonly<Record<string, string>>;
  readonly service?: string;
  readonly severity?: Severity;
}
