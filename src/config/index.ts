/**
 * Configuration: the environment and `herald.yml`, parsed once with zod, validated across
 * sections, frozen. Import from here, not from the files inside.
 */
export { ConfigError, parseEnv, redactedEnv, REDACTED, LOG_LEVELS, type EnvConfig } from './env';
export {
  checkConfig,
  exampleConfigPath,
  loadConfig,
  parseConfigText,
  redactedConfig,
  type CheckResult,
  type HeraldConfig,
  type LoadOptions,
} from './load';
export {
  AUDIENCES,
  CHANNELS,
  EVENT_KINDS,
  INTEGRATION_TYPES,
  PERSON_CHANNELS,
  SEVERITIES,
  WEEKDAYS,
  type Audience,
  type Channel,
  type EscalationLevel,
  type EscalationPolicy,
  type EscalationTarget,
  type EventKind,
  type Group,
  type HeraldFile,
  type Integration,
  type IntegrationType,
  type Person,
  type PersonChannel,
  type Rotation,
  type Rule,
  type Schedule,
  type ScheduleLayer,
  type ScheduleOverride,
  type Service,
  type Severity,
  type StatusPageComponent,
  type Webhook,
  type Weekday,
} from './schema';
