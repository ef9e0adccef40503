import type { DateTime } from 'luxon';
import { HeraldError } from '../common/errors';
import type { FieldChange } from '../db/schema';
import { SEVERITIES, type EventKind, type Severity } from '../config/vocabulary';

export { SEVERITIES, EVENT_KINDS, type Severity, type EventKind } from '../config/vocabulary';

export const STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type Status = (typeof STATUSES)[number];
export type OpenStatus = Exclude<Status, 'resolved'>;

export type { FieldChange };

export interface Incident {
  readonly id: number;
  readonly ref: string;
  readonly title: string;
  readonly description: string;
  readonly severity: Severity;
  readonly status: Status;
  readonly services: readonly string[];
  readonly impact: string;
  readonly rootCause: string | null;
  readonly resolutionSteps: string | null;
  readonly commander: string | null;
  readonly acknowledgedBy: string | null;
  readonly acknowledgedAt: DateTime | null;
  readonly startedAt: DateTime;
  readonly resolvedAt: DateTime | null;
  readonly createdBy: string;
  readonly source: string;
  /**
   * The title public surfaces (status page, Statuspage JSON, feeds, subscriber mail) show: an
   * alert's `title` names hosts and IPs, so it never leaves Herald.
   */
  readonly publicTitle: string;
  /** Whether a person (or `status_page.auto_publish`) put it on the public surfaces. */
  readonly published: boolean;
  readonly publishedAt: DateTime | null;
  readonly publishedBy: string | null;
  /** Never public, even when published (a security incident). */
  readonly private: boolean;
  readonly version: number;
  readonly updatedAt: DateTime;
}

/** A timeline entry; the same object is handed to event subscribers inside the transaction. */
export interface TimelineEvent {
  readonly id: number;
  readonly incidentId: number;
  readonly at: DateTime;
  readonly actor: string;
  readonly kind: EventKind;
  readonly changes: readonly FieldChange[];
  readonly message: string | null;
  readonly publicMessage: string | null;
}

/**
 * Whether the incident may appear on the status page, the Statuspage JSON, the feeds and in
 * subscriber mail: published and not private. The one rule every public surface applies.
 */
export const isPublic = (i: Pick<Incident, 'published' | 'private'>): boolean => i.published && !i.private;

export const refOf = (id: number): string => `INC-${id}`;

/** Parses `INC-12`, `inc-12` or `12`; anything else is a validation error at the edge. */
export function parseRef(input: string): number {
  const m = /^(?:INC-)?(\d{1,9})$/i.exec(input.trim());
  if (!m)
    throw new HeraldError(
      'Validation',
      `"${input.slice(0, 40)}" is not an incident reference (expected INC-<number>)`,
    );
  return Number(m[1]);
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s); // 0 = most severe
}

/**
 * The state machine. Open statuses may move freely among themselves (a fix that did not hold
 * sends `monitoring` back to `investigating`); `resolved` is reached only by resolving and left
 * only by reopening. Throws InvalidTransition otherwise.
 */
export function assertTransition(from: Status, to: Status): void {
  if (from === to) {
    throw new HeraldError('InvalidTransition', `incident is already ${to}`);
  }
  if (from === 'resolved') {
    throw new HeraldError('InvalidTransition', `a resolved incident cannot move to ${to}; reopen it first`);
  }
}

export function assertCanAcknowledge(incident: Incident): void {
  if (incident.status === 'resolved') {
    throw new HeraldError('InvalidTransition', `${incident.ref} is resolved; nothing to acknowledge`);
  }
}

export function assertCanReopen(incident: Incident): void {
  if (incident.status !== 'resolved') {
    throw new HeraldError(
      'InvalidTransition',
      `${incident.ref} is ${incident.status}, not resolved; only a resolved incident can be reopened`,
    );
  }
}

export function assertCanEscalate(incident: Incident): void {
  if (incident.status === 'resolved') {
    throw new HeraldError('InvalidTransition', `${incident.ref} is resolved; it cannot be escalated`);
  }
}

/** Field-level diff for the timeline: only what really changed, rendered as text. */
export function diff(before: Record<string, unknown>, after: Record<string, unknown>): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of Object.keys(after)) {
    const from = render(before[field]);
    const to = render(after[field]);
    if (from !== to) changes.push({ field, from, to });
  }
  return changes;
}

function render(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object' && 'toISO' in v && typeof (v as DateTime).toISO === 'function')
    return (v as DateTime).toISO();
  return String(v);
}
