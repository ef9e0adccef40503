import type { Severity } from '../config/vocabulary';
import type { IngestOptions } from './index';

/**
 * The `herald.yml` shape the ingest module asks for (see the module's report), as the parsed,
 * camelCased config will carry it. Label names and label values are list entries, not object
 * keys, because the config loader camelCases keys (`alarm_name` would become `alarmName`).
 */
export interface IngestConfigSection {
  readonly flapWindowMinutes: number;
  readonly storm: { readonly newAlertsPerMinute: number; readonly updateIntervalSeconds: number };
  readonly maxInFlight: number;
  readonly maxPoolWaiting: number;
  readonly retryAfterSeconds: number;
}

export interface IntegrationMappingConfig {
  readonly id: string;
  readonly defaultService?: string | undefined;
  readonly severityMap: ReadonlyArray<{ readonly value: string; readonly severity: Severity }>;
  readonly rules: ReadonlyArray<{
    readonly match: ReadonlyArray<{ readonly label: string; readonly regex: string }>;
    readonly service?: string | undefined;
    readonly severity?: Severity | undefined;
  }>;
}

/** Options for {@link ingestModule} from the parsed config: `ingestModule(ctx, ingestOptionsFromConfig(config.file))`. */
export function ingestOptionsFromConfig(file: {
  readonly ingest: IngestConfigSection;
  readonly integrations: readonly IntegrationMappingConfig[];
}): IngestOptions {
  const { ingest } = file;
  return {
    policy: {
      flapWindowMinutes: ingest.flapWindowMinutes,
      stormNewAlertsPerMinute: ingest.storm.newAlertsPerMinute,
      stormUpdateIntervalSeconds: ingest.storm.updateIntervalSeconds,
    },
    limits: {
      maxInFlight: ingest.maxInFlight,
      maxPoolWaiting: ingest.maxPoolWaiting,
      retryAfterSeconds: ingest.retryAfterSeconds,
    },
    mappings: Object.fromEntries(
      file.integrations.map((i) => [
        i.id,
        {
          ...(i.defaultService !== undefined ? { defaultService: i.defaultService } : {}),
          severityMap: Object.fromEntries(i.severityMap.map((m) => [m.value, m.severity])),
          rules: i.rules.map((r) => ({
            match: Object.fromEntries(r.match.map((m) => [m.label, m.regex])),
            ...(r.service !== undefined ? { service: r.service } : {}),
            ...(r.severity !== undefined ? { severity: r.severity } : {}),
          })),
        },
      ]),
    ),
  };
}
