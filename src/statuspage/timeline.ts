import type { DateTime } from 'luxon';
import {
  SEVERITIES,
  type Incident,
  type Severity,
  type Status,
  type TimelineEvent,
} from '../incidents/incident';

/** An event with the incident status it left behind (replayed from the timeline's changes). */
export interface StatusedEvent {
  readonly event: TimelineEvent;
  readonly status: Status;
}

/** Replays `status` changes; an incident is declared `investigating`. */
export function withStatuses(events: readonly TimelineEvent[]): StatusedEvent[] {
  let status: Status = 'investigating';
  return events.map((event) => {
    const change = event.changes.find((c) => c.field === 'status');
    if (change?.to) status = change.to as Status;
    else if (event.kind === 'resolved') status = 'resolved';
    else if (event.kind === 'reopened') status = 'investigating';
    return { event, status };
  });
}

/** A public update: only events that carry a public message, never the internal note. */
export interface PublicUpdate {
  readonly id: number;
  readonly incidentId: number;
  readonly at: DateTime;
  readonly status: Status;
  readonly body: string;
}

export function publicUpdates(events: readonly TimelineEvent[]): PublicUpdate[] {
  return withStatuses(events).flatMap(({ event, status }) => {
    const body = event.publicMessage?.trim();
    return body ? [{ id: event.id, incidentId: event.incidentId, at: event.at, status, body }] : [];
  });
}

export interface DayStats {
  /** yyyy-mm-dd, UTC. */
  readonly date: string;
  readonly bySeverity: Readonly<Record<Severity, number>>;
  /** Mean minutes from start to acknowledgement of the day's acknowledged incidents. */
  readonly mttaMinutes: number | null;
  /** Mean minutes from start to resolution of the day's resolved incidents. */
  readonly mttrMinutes: number | null;
}

export interface Stats {
  readonly days: readonly DayStats[];
  readonly total: number;
  readonly mttaMinutes: number | null;
  readonly mttrMinutes: number | null;
}

const mean = (xs: readonly number[]): number | null =>
  xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
const minutes = (from: DateTime, to: DateTime): number => Math.max(0, to.diff(from, 'minutes').minutes);

/** Incidents per day by severity, MTTA and MTTR over the last `days` UTC days (by start day). */
export function dailyStats(incidents: readonly Incident[], now: DateTime, days = 30): Stats {
  const today = now.toUTC().startOf('day');
  const first = today.minus({ days: days - 1 });
  const byDay = new Map<string, Incident[]>();
  for (const i of incidents) {
    if (i.startedAt < first || i.startedAt > now) continue;
    const key = i.startedAt.toUTC().toISODate() ?? '';
    byDay.set(key, [...(byDay.get(key) ?? []), i]);
  }
  const tta = (list: readonly Incident[]) =>
    list.flatMap((i) => (i.acknowledgedAt ? [minutes(i.startedAt, i.acknowledgedAt)] : []));
  const ttr = (list: readonly Incident[]) =>
    list.flatMap((i) => (i.resolvedAt ? [minutes(i.startedAt, i.resolvedAt)] : []));
  const result: DayStats[] = [];
  for (let d = 0; d < days; d++) {
    const date = first.plus({ days: d }).toISODate() ?? '';
    const list = byDay.get(date) ?? [];
    const bySeverity = Object.fromEntries(
      SEVERITIES.map((s) => [s, list.filter((i) => i.severity === s).length]),
    ) as Record<Severity, number>;
    result.push({ date, bySeverity, mttaMinutes: mean(tta(list)), mttrMinutes: mean(ttr(list)) });
  }
  const all = [...byDay.values()].flat();
  return { days: result, total: all.length, mttaMinutes: mean(tta(all)), mttrMinutes: mean(ttr(all)) };
}
