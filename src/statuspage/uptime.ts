import type { DateTime } from 'luxon';
import { rank, type ComponentStatus, type IncidentComponentStatus } from './status';

/**
 * Uptime per component per UTC day, from incident history. An outage is an interval during which
 * an incident held the component at a status; overlapping outages count once, at the worst
 * weight at each instant.
 */

/**
 * Share of a second counted as downtime at each status: Statuspage's convention (a major outage
 * is down, a partial outage counts 30 %, degraded performance is up but shown on the bar).
 */
export const DOWNTIME_WEIGHT: Readonly<Record<IncidentComponentStatus, number>> = {
  operational: 0,
  degraded_performance: 0,
  partial_outage: 0.3,
  major_outage: 1,
};

export interface Outage {
  readonly start: DateTime;
  /** Null while the incident is open (counted up to now). */
  readonly end: DateTime | null;
  readonly status: Exclude<IncidentComponentStatus, 'operational'>;
  readonly ref: string;
  readonly title: string;
}

export interface UptimeDay {
  /** yyyy-mm-dd, UTC. */
  readonly date: string;
  readonly worst: ComponentStatus;
  /** Weighted downtime in seconds (see {@link DOWNTIME_WEIGHT}). */
  readonly downtimeSeconds: number;
  /** Seconds spent at each non-operational status (union of overlapping outages). */
  readonly secondsAt: Readonly<Partial<Record<IncidentComponentStatus, number>>>;
  readonly incidents: readonly { ref: string; title: string }[];
}

export interface Uptime {
  readonly days: readonly UptimeDay[];
  /** 0..100 over the whole window (today counted up to now). */
  readonly percent: number;
}

interface Span {
  start: number;
  end: number;
  o: Outage;
}

/** Union length of [start, end) spans, in ms. */
function unionMs(spans: readonly { start: number; end: number }[]): number {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const s of sorted) {
    if (s.start > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = s.start;
      curEnd = s.end;
    } else if (s.end > curEnd) curEnd = s.end;
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

/** ∫ max weight over time, in ms, by sweeping the span boundaries. */
function weightedMs(spans: readonly Span[]): number {
  const points = [...new Set(spans.flatMap((s) => [s.start, s.end]))].sort((a, b) => a - b);
  let total = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i] as number;
    const b = points[i + 1] as number;
    let w = 0;
    for (const s of spans) if (s.start <= a && s.end >= b) w = Math.max(w, DOWNTIME_WEIGHT[s.o.status]);
    total += w * (b - a);
  }
  return total;
}

const DAY_MS = 86_400_000;

/**
 * The last `days` UTC days up to and including today, oldest first. Plain millisecond arithmetic
 * (UTC days are exactly 86 400 000 ms): this runs for every component on every render.
 */
export function uptime(outages: readonly Outage[], now: DateTime, days = 90): Uptime {
  const nowMs = now.toMillis();
  const todayMs = nowMs - (((nowMs % DAY_MS) + DAY_MS) % DAY_MS);
  const intervals = outages.map((o) => ({
    start: o.start.toMillis(),
    end: o.end ? o.end.toMillis() : nowMs,
    o,
  }));
  const result: UptimeDay[] = [];
  let down = 0;
  let total = 0;
  for (let d = days - 1; d >= 0; d--) {
    const from = todayMs - d * DAY_MS;
    const to = Math.min(from + DAY_MS, nowMs);
    const spans: Span[] = [];
    for (const i of intervals) {
      const start = Math.max(i.start, from);
      const end = Math.min(i.end, to);
      if (end > start) spans.push({ start, end, o: i.o });
    }
    const date = isoDate(from);
    total += Math.max(0, to - from);
    if (spans.length === 0) {
      result.push({ date, worst: 'operational', downtimeSeconds: 0, secondsAt: {}, incidents: [] });
      continue;
    }
    let worstStatus: ComponentStatus = 'operational';
    const secondsAt: Partial<Record<IncidentComponentStatus, number>> = {};
    for (const status of ['degraded_performance', 'partial_outage', 'major_outage'] as const) {
      const at = spans.filter((s) => s.o.status === status);
      if (at.length === 0) continue;
      secondsAt[status] = Math.round(unionMs(at) / 1000);
      if (rank(status) > rank(worstStatus)) worstStatus = status;
    }
    const weighted = weightedMs(spans);
    down += weighted;
    const seen = new Set<string>();
    const incidents = spans
      .filter((s) => !seen.has(s.o.ref) && seen.add(s.o.ref))
      .map((s) => ({ ref: s.o.ref, title: s.o.title }));
    result.push({
      date,
      worst: worstStatus,
      downtimeSeconds: Math.round(weighted / 1000),
      secondsAt,
      incidents,
    });
  }
  const percent = total > 0 ? Math.max(0, 100 * (1 - down / total)) : 100;
  return { days: result, percent };
}

/** yyyy-mm-dd of a UTC day start; the same 90 days are named for every component on every render. */
const dayNames = new Map<number, string>();
function isoDate(ms: number): string {
  let name = dayNames.get(ms);
  if (name === undefined) {
    if (dayNames.size > 1000) dayNames.clear();
    name = new Date(ms).toISOString().slice(0, 10);
    dayNames.set(ms, name);
  }
  return name;
}
