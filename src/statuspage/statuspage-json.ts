import type { DateTime } from 'luxon';
import type { ComponentView, IncidentView, MaintenanceView, PageModel } from './model';
import { rank, type ComponentStatus } from './status';

/**
 * Atlassian Statuspage's public API v2 shapes (`/api/v2/*.json`): the same field names and
 * nesting, so existing widgets, aggregators and status-of-status tools read Herald unchanged.
 * Ids are Herald's own readable ones (`INC-12`, `MNT-3`, component ids from herald.yml).
 */

const iso = (d: DateTime): string => d.toUTC().toISO() ?? '';
const isoOrNull = (d: DateTime | null): string | null => (d ? iso(d) : null);

export const pageId = (model: PageModel): string =>
  model.site.organization
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'herald';

export const groupId = (name: string): string =>
  `group-${
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'x'
  }`;

/** The incident's public page (also its feed entry id and Statuspage `shortlink`). */
export const incidentUrl = (publicUrl: string, ref: string): string => `${publicUrl}/incidents/${ref}`;

export function pageJson(model: PageModel) {
  return {
    id: pageId(model),
    name: model.site.title,
    url: model.site.publicUrl,
    time_zone: 'Etc/UTC',
    updated_at: iso(model.lastUpdated),
  };
}

/** When the component last changed: the latest change of an incident or window touching it. */
function componentUpdatedAt(model: PageModel, id: string): DateTime {
  let last: DateTime | null = null;
  const consider = (t: DateTime | null) => {
    if (t && t <= model.now && (!last || t > last)) last = t;
  };
  for (const v of model.incidents) if (v.components.includes(id)) consider(v.incident.updatedAt);
  for (const m of [...model.inProgress, ...model.completed]) {
    if (!m.maintenance.components.includes(id)) continue;
    consider(m.maintenance.startsAt);
    consider(m.endedAt);
  }
  return last ?? model.lastUpdated;
}

function componentJson(model: PageModel, c: ComponentView) {
  const updated = iso(componentUpdatedAt(model, c.def.id));
  return {
    id: c.def.id,
    name: c.def.name,
    status: c.status,
    created_at: updated,
    updated_at: updated,
    position: c.def.position,
    description: c.def.description,
    showcase: true,
    start_date: null,
    group_id: c.def.group ? groupId(c.def.group) : null,
    page_id: pageId(model),
    group: false,
    only_show_if_degraded: false,
  };
}

/** Components as Statuspage lists them: each group is itself a component naming its children. */
export function componentsJson(model: PageModel) {
  const out: Record<string, unknown>[] = [];
  for (const g of model.groups) {
    if (g.name !== null) {
      const status = g.components.reduce<ComponentStatus>(
        (w, c) => (rank(c.status) > rank(w) ? c.status : w),
        'operational',
      );
      const updated = iso(model.lastUpdated);
      out.push({
        id: groupId(g.name),
        name: g.name,
        status,
        created_at: updated,
        updated_at: updated,
        position: g.components[0]?.def.position ?? 0,
        description: null,
        showcase: false,
        start_date: null,
        group_id: null,
        page_id: pageId(model),
        group: true,
        only_show_if_degraded: false,
        components: g.components.map((c) => c.def.id),
      });
    }
    for (const c of g.components) out.push(componentJson(model, c));
  }
  return out;
}

function componentsOf(model: PageModel, ids: readonly string[]) {
  return model.components.filter((c) => ids.includes(c.def.id)).map((c) => componentJson(model, c));
}

export function incidentJson(model: PageModel, v: IncidentView) {
  const i = v.incident;
  const monitoring = v.timeline.find((e) => e.status === 'monitoring');
  return {
    id: i.ref,
    name: i.title,
    status: i.status,
    created_at: iso(i.startedAt),
    updated_at: iso(i.updatedAt),
    monitoring_at: isoOrNull(monitoring ? monitoring.event.at : null),
    resolved_at: isoOrNull(i.resolvedAt),
    impact: v.impact,
    shortlink: incidentUrl(model.site.publicUrl, i.ref),
    started_at: iso(i.startedAt),
    page_id: pageId(model),
    incident_updates: v.updates.map((u) => ({
      id: String(u.id),
      status: u.status,
      body: u.body,
      incident_id: i.ref,
      created_at: iso(u.at),
      updated_at: iso(u.at),
      display_at: iso(u.at),
      affected_components: null,
      deliver_notifications: true,
      custom_tweet: null,
      tweet_id: null,
    })),
    components: componentsOf(model, v.components),
    reminder_intervals: null,
  };
}

const MAINTENANCE_STATUS = {
  upcoming: 'scheduled',
  in_progress: 'in_progress',
  completed: 'completed',
} as const;

export function maintenanceJson(model: PageModel, v: MaintenanceView) {
  const m = v.maintenance;
  const id = `MNT-${m.id}`;
  const update = (suffix: string, status: string, body: string, at: DateTime) => ({
    id: `${id}-${suffix}`,
    status,
    body,
    incident_id: id,
    created_at: iso(at),
    updated_at: iso(at),
    display_at: iso(at),
    affected_components: null,
    deliver_notifications: true,
    custom_tweet: null,
    tweet_id: null,
  });
  const updates = [update('scheduled', 'scheduled', m.message || m.title, m.createdAt)];
  if (v.state !== 'upcoming') {
    updates.unshift(update('started', 'in_progress', 'Scheduled maintenance is in progress.', m.startsAt));
  }
  if (v.endedAt) {
    updates.unshift(
      update('completed', 'completed', 'The scheduled maintenance has been completed.', v.endedAt),
    );
  }
  return {
    id,
    name: m.title,
    status: v.state === 'cancelled' ? 'completed' : MAINTENANCE_STATUS[v.state],
    created_at: iso(m.createdAt),
    updated_at: iso(m.updatedAt),
    monitoring_at: null,
    resolved_at: isoOrNull(v.endedAt),
    impact: 'maintenance',
    shortlink: `${model.site.publicUrl}/#maintenance-${m.id}`,
    started_at: iso(m.startsAt),
    page_id: pageId(model),
    incident_updates: updates,
    components: componentsOf(model, m.components),
    scheduled_for: iso(m.startsAt),
    scheduled_until: iso(m.endsAt),
    reminder_intervals: null,
  };
}

const RECENT = 50;

const unresolved = (model: PageModel) => model.active.map((v) => incidentJson(model, v));
const active = (model: PageModel) => model.inProgress.map((v) => maintenanceJson(model, v));
const upcoming = (model: PageModel) => model.upcoming.map((v) => maintenanceJson(model, v));

/** Every `/api/v2` document, by its path under `/api/v2/`. */
export const STATUSPAGE_DOCUMENTS: Readonly<Record<string, (model: PageModel) => unknown>> = {
  'summary.json': (model) => ({
    page: pageJson(model),
    components: componentsJson(model),
    incidents: unresolved(model),
    scheduled_maintenances: [...active(model), ...upcoming(model)],
    status: model.status,
  }),
  'status.json': (model) => ({ page: pageJson(model), status: model.status }),
  'components.json': (model) => ({ page: pageJson(model), components: componentsJson(model) }),
  'incidents.json': (model) => ({
    page: pageJson(model),
    incidents: model.incidents.slice(0, RECENT).map((v) => incidentJson(model, v)),
  }),
  'incidents/unresolved.json': (model) => ({ page: pageJson(model), incidents: unresolved(model) }),
  'scheduled-maintenances.json': (model) => ({
    page: pageJson(model),
    scheduled_maintenances: [...model.inProgress, ...model.upcoming, ...model.completed]
      .sort((a, b) => b.maintenance.startsAt.toMillis() - a.maintenance.startsAt.toMillis())
      .slice(0, RECENT)
      .map((v) => maintenanceJson(model, v)),
  }),
  'scheduled-maintenances/upcoming.json': (model) => ({
    page: pageJson(model),
    scheduled_maintenances: upcoming(model),
  }),
  'scheduled-maintenances/active.json': (model) => ({
    page: pageJson(model),
    scheduled_maintenances: active(model),
  }),
};
