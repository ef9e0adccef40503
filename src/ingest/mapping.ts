import type { Integration } from '../config';
import { SEVERITIES, type Severity } from '../config/vocabulary';
import { HeraldError } from '../common/errors';
import type { IntegrationMapping, MappingRule } from './types';

/**
 * Label values monitoring tools use for severity, mapped to Herald's five. Alertmanager rules in
 * the wild say `page`, `warning`, `P2`, `sev1`…; an unknown value falls back to the integration's
 * default severity rather than failing the request.
 */
export const SEVERITY_SYNONYMS: Readonly<Record<string, Severity>> = {
  critical: 'critical',
  crit: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  page: 'critical',
  p1: 'critical',
  sev1: 'critical',
  high: 'high',
  error: 'high',
  major: 'high',
  p2: 'high',
  sev2: 'high',
  medium: 'medium',
  warning: 'medium',
  warn: 'medium',
  p3: 'medium',
  sev3: 'medium',
  low: 'low',
  minor: 'low',
  p4: 'low',
  sev4: 'low',
  info: 'info',
  informational: 'info',
  none: 'info',
  p5: 'info',
  sev5: 'info',
};

/** Maps one alert's labels to a configured service and a severity. Pure; built once per integration. */
export interface AlertMapper {
  service(labels: Readonly<Record<string, string>>, fallbackName?: string): string | null;
  severity(labels: Readonly<Record<string, string>>): Severity;
}

interface CompiledRule {
  readonly match: ReadonlyArray<readonly [string, RegExp]>;
  readonly rule: MappingRule;
}

/**
 * Builds the mapper of an integration. `knownServices` empty means the config names no services,
 * so any label value is accepted as a service (as the incident service does). Bad rules (invalid
 * regex, unknown service) fail at start-up, naming the integration and the rule.
 */
export function compileMapping(
  integration: Pick<Integration, 'id' | 'defaultSeverity' | 'severityLabel' | 'serviceLabel'>,
  mapping: IntegrationMapping,
  knownServices: ReadonlySet<string>,
): AlertMapper {
  const where = (i: number) => `ingest mapping of integration "${integration.id}", rules[${i}]`;
  const isKnown = (s: string) =>
    knownServices.size === 0 ? /^[a-z0-9][a-z0-9_-]{0,59}$/.test(s) : knownServices.has(s);
  const rules: CompiledRule[] = (mapping.rules ?? []).map((rule, i) => {
    if (rule.service !== undefined && !isKnown(rule.service)) {
      throw new HeraldError('Config', `${where(i)}: unknown service "${rule.service}"`);
    }
    const match = Object.entries(rule.match).map(([label, source]): readonly [string, RegExp] => {
      try {
        return [label, new RegExp(`^(?:${source})$`)];
      } catch (e) {
        throw new HeraldError('Config', `${where(i)}.match.${label}: ${(e as Error).message}`);
      }
    });
    return { match, rule };
  });
  if (mapping.defaultService !== undefined && !isKnown(mapping.defaultService)) {
    throw new HeraldError(
      'Config',
      `ingest mapping of integration "${integration.id}": unknown default service "${mapping.defaultService}"`,
    );
  }
  const extra = new Map(Object.entries(mapping.severityMap ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const firstRule = (labels: Readonly<Record<string, string>>, field: 'service' | 'severity') =>
    rules.find(
      (r) => r.rule[field] !== undefined && r.match.every(([label, re]) => re.test(labels[label] ?? '')),
    )?.rule[field];

  return {
    service(labels, fallbackName) {
      const fromRule = firstRule(labels, 'service');
      if (fromRule !== undefined) return fromRule as string;
      const label = labels[integration.serviceLabel]?.trim();
      if (label && isKnown(label)) return label;
      if (fallbackName !== undefined) {
        const prefixed = servicePrefixOf(fallbackName, knownServices);
        if (prefixed) return prefixed;
      }
      return mapping.defaultService ?? null;
    },
    severity(labels) {
      const fromRule = firstRule(labels, 'severity');
      if (fromRule !== undefined) return fromRule as Severity;
      const raw = labels[integration.severityLabel]?.trim().toLowerCase();
      if (raw) {
        const mapped = extra.get(raw) ?? SEVERITY_SYNONYMS[raw];
        if (mapped) return mapped;
      }
      return integration.defaultSeverity;
    },
  };
}

/**
 * The configured service a name starts with (`checkout-5xx-rate` → `checkout`), the longest one
 * when several do: CloudWatch alarms carry no labels, and teams usually prefix alarm names with
 * the service.
 */
export function servicePrefixOf(name: string, knownServices: ReadonlySet<string>): string | null {
  let best: string | null = null;
  for (const s of knownServices) {
    if (name === s || (name.startsWith(s) && /[-_.:/ ]/.test(name.charAt(s.length)))) {
      if (best === null || s.length > best.length) best = s;
    }
  }
  return best;
}

/** 0 = most severe, as in the incident module. */
export const rankOf = (s: Severity): number => SEVERITIES.indexOf(s);

/** The most severe of some severities (the fallback when there are none). */
export function mostSevere(severities: Iterable<Severity>, fallback: Severity): Severity {
  let best: Severity | null = null;
  for (const s of severities) if (best === null || rankOf(s) < rankOf(best)) best = s;
  return best ?? fallback;
}
