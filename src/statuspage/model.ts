import type { DateTime } from 'luxon';
import type { HeraldConfig } from '../config';
import type { Incident, TimelineEvent } from '../incidents/incident';
import type { Snapshot } from './snapshot';
import {
  componentStatuses,
  incidentImpact,
  maintenanceEnd,
  maintenanceState,
  pageStatus,
  SEVERITY_IMPACT,
  type ComponentDef,
  type ComponentStatus,
  type Impact,
  type IncidentComponentStatus,
  type Maintenance,
  type MaintenanceState,
  type PageStatus,
} from './status';
import { publicUpdates, withStatuses, type PublicUpdate, type StatusedEvent } from './timeline';
import { uptime, type Outage, type Uptime } from './uptime';

/** What the pages need from configuration, derived once at start. */
export interface Site {
  readonly title: string;
  readonly organization: string;
  /** No trailing slash. */
  readonly publicUrl: string;
  readonly components: readonly ComponentDef[];
  readonly componentOfService: ReadonlyMap<string, string>;
  readonly serviceNames: ReadonlyMap<string, string>;
}

export function siteFrom(config: HeraldConfig): Site {
  const file = config.file;
  return {
    title: file.statusPage.title,
    organization: file.organization.name,
    publicUrl: config.env.publicUrl,
    components: file.statusPage.components.map((c, i) => ({
      id: c.id,
      name: c.name,
      group: c.group ?? null,
      description: c.description ?? null,
      position: i + 1,
    })),
    componentOfService: new Map(file.services.flatMap((s) => (s.component ? [[s.id, s.component]] : []))),
    serviceNames: new Map(file.services.map((s) => [s.id, s.name])),
  };
}

export interface ComponentView {
  readonly def: ComponentDef;
  readonly status: ComponentStatus;
  readonly uptime: Uptime;
}

export interface GroupView {
  readonly name: string | null;
  readonly components: readonly ComponentView[];
}

export interface IncidentView {
  readonly incident: Incident;
  readonly impact: Impact;
  /** Component ids this incident degrades now (or did, once resolved). */
  readonly components: readonly string[];
  /** Newest first; public messages only. */
  readonly updates: readonly PublicUpdate[];
  /** Oldest first; every event, internal notes included (for /internal only). */
  readonly timeline: readonly StatusedEvent[];
}

export interface MaintenanceView {
  readonly maintenance: Maintenance;
  readonly state: MaintenanceState;
  readonly endedAt: DateTime | null;
}

export interface PageModel {
  readonly site: Site;
  readonly now: DateTime;
  readonly status: PageStatus;
  readonly components: readonly ComponentView[];
  readonly groups: readonly GroupView[];
  /** Open incidents, newest first. */
  readonly active: readonly IncidentView[];
  /** Every incident in the snapshot, newest first. */
  readonly incidents: readonly IncidentView[];
  /** Today first; incidents by the day they started. */
  readonly pastDays: readonly { date: string; incidents: readonly IncidentView[] }[];
  readonly upcoming: readonly MaintenanceView[];
  readonly inProgress: readonly MaintenanceView[];
  /** Ended in the last 30 days, most recent first. */
  readonly completed: readonly MaintenanceView[];
  /** When anything shown last changed. */
  readonly lastUpdated: DateTime;
  /** Until then the time-derived parts (maintenance states, day lists) are exact. */
  readonly validUntil: DateTime;
  /** After this, re-render in the background (today's uptime bar drifts slowly). */
  readonly refreshAfter: DateTime;
}

export const PAST_DAYS = 14;
/** Even a page with nothing scheduled is re-rendered this often (today's uptime keeps moving). */
export const REFRESH_AFTER_SECONDS = 60;

/** Updates and timeline are derived on first use: most incidents of 90 days are only uptime input. */
function incidentView(
  incident: Incident,
  components: string[],
  events: readonly TimelineEvent[],
): IncidentView {
  let updates: PublicUpdate[] | null = null;
  let timeline: StatusedEvent[] | null = null;
  return {
    incident,
    impact: SEVERITY_IMPACT[incident.severity],
    components,
    get updates() {
      return (updates ??= publicUpdates(events).reverse());
    },
    get timeline() {
      return (timeline ??= withStatuses(events));
    },
  };
}

export function buildModel(snapshot: Snapshot, site: Site, now: DateTime): PageModel {
  const incidents = snapshot.incidents.filter((i) => i.startedAt <= now);
  const impacts = new Map<number, Map<string, IncidentComponentStatus>>();
  const views = incidents.map((incident) => {
    const impact = incidentImpact(incident, site.componentOfService, snapshot.overrides.get(incident.id));
    impacts.set(incident.id, impact);
    return incidentView(incident, [...impact.keys()], snapshot.events.get(incident.id) ?? []);
  });
  const open = views.filter((v) => v.incident.status !== 'resolved');
  const statuses = componentStatuses({
    components: site.components,
    componentOfService: site.componentOfService,
    openIncidents: open.map((v) => v.incident),
    overrides: snapshot.overrides,
    maintenances: snapshot.maintenances,
    now,
  });

  const outages = new Map<string, Outage[]>();
  for (const v of views) {
    for (const [component, status] of impacts.get(v.incident.id) ?? []) {
      if (status === 'operational') continue;
      const list = outages.get(component) ?? [];
      list.push({
        start: v.incident.startedAt,
        end: v.incident.resolvedAt,
        status,
        ref: v.incident.ref,
        title: v.incident.title,
      });
      outages.set(component, list);
    }
  }
  const components = site.components.map((def): ComponentView => ({
    def,
    status: statuses.get(def.id) ?? 'operational',
    uptime: uptime(outages.get(def.id) ?? [], now),
  }));
  const groups: { name: string | null; components: ComponentView[] }[] = [];
  for (const c of components) {
    const group = groups.find((g) => g.name === c.def.group);
    if (group) group.components.push(c);
    else groups.push({ name: c.def.group, components: [c] });
  }

  const today = now.toUTC().startOf('day');
  const byStartDay = new Map<string, IncidentView[]>();
  for (const v of views) {
    const day = new Date(v.incident.startedAt.toMillis()).toISOString().slice(0, 10);
    byStartDay.set(day, [...(byStartDay.get(day) ?? []), v]);
  }
  const pastDays = Array.from({ length: PAST_DAYS }, (_, d) => {
    const date = today.minus({ days: d }).toISODate() ?? '';
    return { date, incidents: byStartDay.get(date) ?? [] };
  });

  const maintenances = snapshot.maintenances.map((m): MaintenanceView => ({
    maintenance: m,
    state: maintenanceState(m, now),
    endedAt: maintenanceEnd(m, now),
  }));
  const recentCutoff = now.minus({ days: 30 });
  const completed = maintenances
    .filter((m) => m.state === 'completed' && m.endedAt && m.endedAt >= recentCutoff)
    .sort((a, b) => (b.endedAt?.toMillis() ?? 0) - (a.endedAt?.toMillis() ?? 0));

  return {
    site,
    now,
    status: pageStatus(
      statuses.values(),
      open.map((v) => v.incident),
      maintenances.some((m) => m.state === 'in_progress'),
    ),
    components,
    groups,
    active: open,
    incidents: views,
    pastDays,
    upcoming: maintenances.filter((m) => m.state === 'upcoming'),
    inProgress: maintenances.filter((m) => m.state === 'in_progress'),
    completed,
    lastUpdated: lastUpdated(snapshot, now),
    validUntil: validUntil(snapshot.maintenances, now, snapshot.incidents),
    refreshAfter: now.plus({ seconds: REFRESH_AFTER_SECONDS }),
  };
}

function lastUpdated(snapshot: Snapshot, now: DateTime): DateTime {
  let last: DateTime | null = null;
  const consider = (t: DateTime | null) => {
    if (t && t <= now && (!last || t > last)) last = t;
  };
  for (const i of snapshot.incidents) consider(i.updatedAt);
  for (const list of snapshot.overrides.values()) for (const o of list) consider(o.setAt);
  for (const m of snapshot.maintenances) {
    consider(m.updatedAt);
    consider(m.startsAt);
    consider(maintenanceEnd(m, now));
  }
  return last ?? snapshot.loadedAt;
}

/** The next instant at which time alone changes what the page shows (a day, a window, a start). */
function validUntil(
  maintenances: readonly Maintenance[],
  now: DateTime,
  incidents: readonly Incident[],
): DateTime {
  let until = now.toUTC().startOf('day').plus({ days: 1 });
  const consider = (t: DateTime | null) => {
    if (t && t > now && t < until) until = t;
  };
  for (const m of maintenances) {
    consider(m.startsAt);
    consider(m.endsAt);
    consider(m.completedAt);
  }
  for (const i of incidents) consider(i.startedAt); // a backdated start in the future
  return until;
}
