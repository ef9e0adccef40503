import type { DateTime } from 'luxon';
import type { Severity } from '../config/vocabulary';
import { mostSevere, rankOf } from './mapping';
import type { AlertBatch, IncomingAlert, IngestPolicy } from './types';

/**
 * The decisions of alert ingestion, as pure functions over literal state (tested that way, in the
 * spirit of GoAlert's dedupalerts): what a batch changes in the facts, then what the incident
 * should do about the resulting state. The service applies them; nothing here touches I/O.
 */

/** What Herald already knows of an alert of the batch's group. */
export interface KnownAlert {
  readonly status: 'firing' | 'resolved';
  readonly resolvedAt: DateTime | null;
  readonly incidentId: number | null;
}

export type AlertChange = 'new' | 'refire' | 'repeat' | 'resolve' | 'ignore';

/** Counter changes for one incident, applied in the same transaction as the alert rows. */
export interface IncidentDelta {
  firing: number;
  total: number;
  pending: number;
  pendingSeverity: Severity | null;
  flapping: boolean;
}

export interface FactsPlan {
  /** Alerts that (re)start firing; they count towards `target` (null: unbound until declared). */
  readonly firing: ReadonlyArray<{ readonly alert: IncomingAlert; readonly change: 'new' | 'refire' }>;
  readonly resolved: readonly string[];
  /** New alerts (not flapping ones), for the storm rate. */
  readonly newCount: number;
  readonly deltas: ReadonlyMap<number, IncidentDelta>;
}

/**
 * Classifies one alert against what is known: never seen (or resolved long ago) → new; resolved
 * within the flap window → refire (flapping, not news); firing again → repeat (Alertmanager
 * re-sends whole groups); firing → resolved → resolve; resolved again or never seen → ignore.
 */
export function classify(
  known: KnownAlert | undefined,
  status: 'firing' | 'resolved',
  now: DateTime,
  policy: IngestPolicy,
): AlertChange {
  if (status === 'resolved') return known?.status === 'firing' ? 'resolve' : 'ignore';
  if (!known) return 'new';
  if (known.status === 'firing') return 'repeat';
  const flapping =
    known.resolvedAt !== null && known.resolvedAt >= now.minus({ minutes: policy.flapWindowMinutes });
  return flapping ? 'refire' : 'new';
}

/** The facts a batch changes. `target` is the group's open incident, if it has one. */
export function planFacts(
  known: ReadonlyMap<string, KnownAlert>,
  batch: AlertBatch,
  target: number | null,
  now: DateTime,
  policy: IngestPolicy,
): FactsPlan {
  const latest = new Map<string, IncomingAlert>();
  for (const a of batch.alerts) latest.set(a.fingerprint, a); // a fingerprint twice: the last wins
  const firing: Array<{ alert: IncomingAlert; change: 'new' | 'refire' }> = [];
  const resolved: string[] = [];
  const deltas = new Map<number, IncidentDelta>();
  const delta = (id: number): IncidentDelta => {
    let d = deltas.get(id);
    if (!d) deltas.set(id, (d = { firing: 0, total: 0, pending: 0, pendingSeverity: null, flapping: false }));
    return d;
  };
  let newCount = 0;
  for (const alert of latest.values()) {
    const before = known.get(alert.fingerprint);
    const change = classify(before, alert.status, now, policy);
    if (change === 'new' || change === 'refire') {
      firing.push({ alert, change });
      if (change === 'new') newCount++;
      if (target === null) continue;
      const d = delta(target);
      d.firing++;
      if (before?.incidentId !== target) d.total++;
      if (change === 'new') {
        d.pending++;
        d.pendingSeverity = mostSevere(
          [alert.severity, ...(d.pendingSeverity ? [d.pendingSeverity] : [])],
          alert.severity,
        );
      } else {
        d.flapping = true;
      }
    } else if (change === 'resolve') {
      resolved.push(alert.fingerprint);
      if (before?.incidentId != null) delta(before.incidentId).firing--;
    }
  }
  return { firing, resolved, newCount, deltas };
}

/**
 * Sums the counter changes of several plans written in one transaction (groups of a storm feed
 * one incident), in incident id order so transactions lock incidents in the same order.
 */
export function mergeDeltas(plans: readonly FactsPlan[]): Array<[number, IncidentDelta]> {
  const merged = new Map<number, IncidentDelta>();
  for (const plan of plans) {
    for (const [id, d] of plan.deltas) {
      const m = merged.get(id);
      if (!m) {
        merged.set(id, { ...d });
        continue;
      }
      m.firing += d.firing;
      m.total += d.total;
      m.pending += d.pending;
      m.flapping ||= d.flapping;
      if (d.pendingSeverity !== null) {
        m.pendingSeverity = mostSevere(
          m.pendingSeverity === null ? [d.pendingSeverity] : [m.pendingSeverity, d.pendingSeverity],
          d.pendingSeverity,
        );
      }
    }
  }
  return [...merged].sort(([a], [b]) => a - b);
}

/** A group as the reconciler sees it after its facts were written. */
export interface GroupState {
  readonly incidentId: number | null;
  readonly incidentOpen: boolean;
  readonly incidentResolvedAt: DateTime | null;
  /** Firing alerts of the group that count towards no incident yet. */
  readonly unbound: number;
  /** New alerts of this group in its current one-minute window. */
  readonly ownRate: number;
  /** New alerts of the same service's other groups in their current windows. */
  readonly othersRate: number;
  readonly storm: {
    readonly incidentId: number | null;
    readonly open: boolean;
    readonly resolvedAt: DateTime | null;
  };
}

export type GroupAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'declare'; readonly storm: boolean }
  | { readonly kind: 'reopen'; readonly incidentId: number; readonly storm: boolean }
  /** Attach unbound alerts to an open incident; they are announced by the next flush. */
  | { readonly kind: 'bind'; readonly incidentId: number; readonly storm: boolean };

const within = (t: DateTime | null, now: DateTime, minutes: number) =>
  t !== null && t >= now.minus({ minutes });

/**
 * Where a group's unbound alerts go. An incident resolved within the flap window is reopened
 * rather than a new one opened. Above the storm rate (counting other groups of the service too,
 * so one big group alone is never a storm), new groups collapse into the service's storm incident.
 */
export function decideGroup(g: GroupState, now: DateTime, policy: IngestPolicy): GroupAction {
  if (g.unbound === 0) return { kind: 'none' };
  if (g.incidentId !== null && g.incidentOpen)
    return { kind: 'bind', incidentId: g.incidentId, storm: false };
  if (g.incidentId !== null && within(g.incidentResolvedAt, now, policy.flapWindowMinutes)) {
    return { kind: 'reopen', incidentId: g.incidentId, storm: false };
  }
  const stormy = g.othersRate > 0 && g.ownRate + g.othersRate > policy.stormNewAlertsPerMinute;
  if (!stormy) return { kind: 'declare', storm: false };
  const s = g.storm;
  if (s.incidentId !== null && s.open) return { kind: 'bind', incidentId: s.incidentId, storm: true };
  if (s.incidentId !== null && within(s.resolvedAt, now, policy.flapWindowMinutes)) {
    return { kind: 'reopen', incidentId: s.incidentId, storm: true };
  }
  return { kind: 'declare', storm: true };
}

/** An incident as its alerts describe it. */
export interface IncidentState {
  readonly id: number;
  readonly open: boolean;
  readonly severity: Severity;
  readonly firing: number;
  readonly total: number;
  readonly pending: number;
  readonly pendingSeverity: Severity | null;
  readonly lastEventAt: DateTime;
  readonly flapping: boolean;
  readonly clearedAt: DateTime | null;
  readonly autoResolve: boolean;
  readonly storm: boolean;
  /** New alerts per minute for the incident's service (all groups). */
  readonly serviceRate: number;
}

export type IncidentAction =
  | { readonly kind: 'none' }
  /** One "N more alerts" timeline event, raising the severity when a more severe alert came. */
  | { readonly kind: 'flush'; readonly count: number; readonly raiseTo: Severity | null }
  | { readonly kind: 'resolve' }
  /** Every alert cleared but the incident stays open: a timeline event for the humans. */
  | { readonly kind: 'cleared' }
  /** Every alert cleared while flapping: remember when, decide after the flap window. */
  | { readonly kind: 'mark-cleared' }
  /** Alerts fire again after clearing: forget the clearing. */
  | { readonly kind: 'unclear' };

/**
 * What an incident's alert counters call for. Resolves when every alert has resolved (or notes
 * it, when auto-resolve is off); a flapping incident waits until its alerts stay clear for the
 * flap window. "More alerts" events are immediate, except in a storm, where they are coalesced
 * to one per `stormUpdateIntervalSeconds`.
 */
export function decideIncident(s: IncidentState, now: DateTime, policy: IngestPolicy): IncidentAction {
  if (!s.open) return { kind: 'none' };
  if (s.firing === 0 && s.total > 0) {
    if (s.clearedAt === null) {
      if (s.flapping) return { kind: 'mark-cleared' };
      return { kind: s.autoResolve ? 'resolve' : 'cleared' };
    }
    if (s.flapping && !within(s.clearedAt, now, policy.flapWindowMinutes)) {
      return { kind: s.autoResolve ? 'resolve' : 'cleared' };
    }
  }
  if (s.firing > 0 && s.clearedAt !== null) return { kind: 'unclear' };
  if (s.pending > 0) {
    const coalesce = s.storm || s.serviceRate > policy.stormNewAlertsPerMinute;
    const due = !coalesce || s.lastEventAt <= now.minus({ seconds: policy.stormUpdateIntervalSeconds });
    if (!due) return { kind: 'none' };
    const raise = s.pendingSeverity !== null && rankOf(s.pendingSeverity) < rankOf(s.severity);
    return { kind: 'flush', count: s.pending, raiseTo: raise ? s.pendingSeverity : null };
  }
  return { kind: 'none' };
}
