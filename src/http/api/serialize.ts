import type { DateTime } from 'luxon';
import type { Incident, TimelineEvent } from '../../incidents/incident';

const iso = (d: DateTime | null): string | null => (d ? d.toUTC().toISO() : null);

/** The API's incident object (CONTRACT.md): snake_case, times in ISO 8601 UTC. */
export function incidentJson(i: Incident) {
  return {
    ref: i.ref,
    title: i.title,
    description: i.description,
    severity: i.severity,
    status: i.status,
    services: i.services,
    impact: i.impact,
    root_cause: i.rootCause,
    resolution_steps: i.resolutionSteps,
    commander: i.commander,
    acknowledged_by: i.acknowledgedBy,
    acknowledged_at: iso(i.acknowledgedAt),
    started_at: iso(i.startedAt),
    resolved_at: iso(i.resolvedAt),
    created_by: i.createdBy,
    source: i.source,
    public_title: i.publicTitle,
    published: i.published,
    published_at: iso(i.publishedAt),
    published_by: i.publishedBy,
    private: i.private,
    updated_at: iso(i.updatedAt),
  };
}

export function eventJson(e: TimelineEvent) {
  return {
    id: e.id,
    at: iso(e.at),
    actor: e.actor,
    kind: e.kind,
    changes: e.changes,
    message: e.message,
    public_message: e.publicMessage,
  };
}
