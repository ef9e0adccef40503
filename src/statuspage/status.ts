import type { DateTime } from 'luxon';
import type { Incident, Severity } from '../incidents/incident';

/**
 * Component and page status: pure functions of incidents, overrides, maintenance and the clock.
 * The words are Atlassian Statuspage's, so `/api/v2` consumers and people read the same thing.
 */

export const COMPONENT_STATUSES = [
  'operational',
  'under_maintenance',
  'degraded_performance',
  'partial_outage',
  'major_outage',
] as const;
/** Least to most severe (the order of {@link COMPONENT_STATUSES}). */
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

/** What an incident update may set a component to (maintenance comes only from maintenance windows). */
export const INCIDENT_COMPONENT_STATUSES = [
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
] as const;
export type IncidentComponentStatus = (typeof INCIDENT_COMPONENT_STATUSES)[number];

/**
 * How an open incident degrades the components of its services, unless an override says
 * otherwise. `info` incidents are shown but change no component.
 */
export const SEVERITY_COMPONENT_STATUS: Readonly<Record<Severity, IncidentComponentStatus>> = {
  critical: 'major_outage',
  high: 'partial_outage',
  medium: 'degraded_performance',
  low: 'degraded_performance',
  info: 'operational',
};

/** Statuspage's incident `impact` for each severity. */
export type Impact = 'none' | 'minor' | 'major' | 'critical';
export const SEVERITY_IMPACT: Readonly<Record<Severity, Impact>> = {
  critical: 'critical',
  high: 'major',
  medium: 'minor',
  low: 'minor',
  info: 'none',
};

export const COMPONENT_STATUS_LABEL: Readonly<Record<ComponentStatus, string>> = {
  operational: 'Operational',
  under_maintenance: 'Under maintenance',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
};

export const rank = (s: ComponentStatus): number => COMPONENT_STATUSES.indexOf(s);
export const worst = <S extends ComponentStatus>(a: S, b: S): S => (rank(b) > rank(a) ? b : a);

/** A status page component from `status_page.components`, in configuration order. */
export interface ComponentDef {
  readonly id: string;
  readonly name: string;
  readonly group: string | null;
  readonly description: string | null;
  readonly position: number;
}

export interface ComponentOverride {
  readonly incidentId: number;
  readonly componentId: string;
  readonly status: IncidentComponentStatus;
  readonly setBy: string;
  readonly setAt: DateTime;
}

export interface Maintenance {
  readonly id: number;
  readonly title: string;
  readonly message: string;
  readonly components: readonly string[];
  readonly startsAt: DateTime;
  readonly endsAt: DateTime;
  readonly completedAt: DateTime | null;
  readonly cancelledAt: DateTime | null;
  readonly createdBy: string;
  readonly createdAt: DateTime;
  readonly updatedAt: DateTime;
}

export type MaintenanceState = 'upcoming' | 'in_progress' | 'completed' | 'cancelled';

/** Derived from the clock, so a window starts and ends without anything being written. */
export function maintenanceState(m: Maintenance, now: DateTime): MaintenanceState {
  if (m.cancelledAt) return 'cancelled';
  if (m.completedAt && m.completedAt <= now) return 'completed';
  if (now < m.startsAt) return 'upcoming';
  if (now < m.endsAt) return 'in_progress';
  return 'completed';
}

/** When the window actually ended (early completion or its planned end); null while not ended. */
export function maintenanceEnd(m: Maintenance, now: DateTime): DateTime | null {
  const state = maintenanceState(m, now);
  if (state === 'cancelled') return m.cancelledAt;
  if (state !== 'completed') return null;
  return m.completedAt && m.completedAt < m.endsAt ? m.completedAt : m.endsAt;
}

/**
 * What one incident does to each component: its severity's status on the components of its
 * services, replaced per component by explicit overrides (which may also name components outside
 * its services). Components left `operational` are omitted.
 */
export function incidentImpact(
  incident: Pick<Incident, 'severity' | 'services'>,
  componentOfService: ReadonlyMap<string, string>,
  overrides: readonly ComponentOverride[] = [],
): Map<string, IncidentComponentStatus> {
  const impact = new Map<string, IncidentComponentStatus>();
  const derived = SEVERITY_COMPONENT_STATUS[incident.severity];
  if (derived !== 'operational') {
    for (const service of incident.services) {
      const component = componentOfService.get(service);
      if (component) impact.set(component, worst(impact.get(component) ?? 'operational', derived));
    }
  }
  for (const o of overrides) {
    if (o.status === 'operational') impact.delete(o.componentId);
    else impact.set(o.componentId, o.status);
  }
  return impact;
}

/**
 * Each component's status now: the worst of what open incidents do to it, and `under_maintenance`
 * while a maintenance window naming it is in progress (an outage outranks maintenance).
 */
export function componentStatuses(input: {
  components: readonly ComponentDef[];
  componentOfService: ReadonlyMap<string, string>;
  openIncidents: readonly Pick<Incident, 'id' | 'severity' | 'services'>[];
  overrides: ReadonlyMap<number, readonly ComponentOverride[]>;
  maintenances: readonly Maintenance[];
  now: DateTime;
}): Map<string, ComponentStatus> {
  const status = new Map<string, ComponentStatus>(input.components.map((c) => [c.id, 'operational']));
  for (const m of input.maintenances) {
    if (maintenanceState(m, input.now) !== 'in_progress') continue;
    for (const id of m.components) {
      const current = status.get(id);
      if (current) status.set(id, worst(current, 'under_maintenance'));
    }
  }
  for (const incident of input.openIncidents) {
    const impact = incidentImpact(incident, input.componentOfService, input.overrides.get(incident.id));
    for (const [id, s] of impact) {
      const current = status.get(id);
      if (current) status.set(id, worst(current, s));
    }
  }
  return status;
}

export type Indicator = Impact | 'maintenance';
export interface PageStatus {
  readonly indicator: Indicator;
  readonly description: string;
}

const INDICATOR_RANK: Readonly<Record<Indicator, number>> = {
  none: 0,
  maintenance: 1,
  minor: 2,
  major: 3,
  critical: 4,
};
const COMPONENT_INDICATOR: Readonly<Record<ComponentStatus, Indicator>> = {
  operational: 'none',
  under_maintenance: 'maintenance',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};
const INDICATOR_DESCRIPTION: Readonly<Record<Indicator, string>> = {
  none: 'All Systems Operational',
  maintenance: 'Service Under Maintenance',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major System Outage',
};

/**
 * The page's rollup, as Statuspage words it: the worst of the component statuses and of the open
 * incidents' impacts (an incident on a service without a component still shows).
 */
export function pageStatus(
  statuses: Iterable<ComponentStatus>,
  openIncidents: readonly Pick<Incident, 'severity'>[],
  maintenanceInProgress: boolean,
): PageStatus {
  let indicator: Indicator = maintenanceInProgress ? 'maintenance' : 'none';
  const raise = (i: Indicator) => {
    if (INDICATOR_RANK[i] > INDICATOR_RANK[indicator]) indicator = i;
  };
  for (const s of statuses) raise(COMPONENT_INDICATOR[s]);
  for (const i of openIncidents) raise(SEVERITY_IMPACT[i.severity]);
  return { indicator, description: INDICATOR_DESCRIPTION[indicator] };
}
