import { DateTime, IANAZone } from 'luxon';
import type { Schedule, ScheduleLayer, ScheduleOverride } from '../config';

/**
 * Who is on call: pure functions of a configured schedule, an instant and runtime overrides.
 *
 * Semantics (PagerDuty's, so operators' habits carry over):
 * - **Rotation.** A layer's shifts are `daily` (24 h), `weekly` (168 h) or `{ hours: N }` long,
 *   measured on the schedule's *wall clock*: the first shift starts on `start` at `handoff`
 *   (schedule timezone) and each later handoff is N wall-clock hours after the previous one. So a
 *   09:00 handoff stays at 09:00 local across DST, and the shift that spans the change is one hour
 *   shorter (spring forward) or longer (fall back) in real time. Members take shifts in list order.
 * - **Before `start`** a layer has nobody on call (it is a future layer, not a past one).
 * - **A wall-clock time that does not exist** (02:30 on the spring-forward day in New York)
 *   happens at the jump, i.e. the first local time after it (03:00). **A time that happens twice**
 *   (01:30 on the fall-back day) happens the first time. With `{ hours: 1 }` this makes the shift of
 *   the skipped hour zero-long: that member is skipped once.
 * - **Restrict.** A layer with `restrict` is active only in its windows: on each listed day, from
 *   the moment the local clock shows `start` until it shows `end`; when `end` is before `start` the
 *   window runs past midnight and belongs to the day it starts on (`fri 18:00–09:00` ends Saturday
 *   09:00). Window edges follow the same DST rules as handoffs, so a window never closes and
 *   reopens during a repeated hour. The rotation keeps turning while a layer is hidden.
 * - **Layers.** Later layers take precedence where they are active and have someone: the answer is
 *   the member of the last such layer (not a union), so a restricted "business hours" layer placed
 *   after a 24/7 layer replaces it during business hours.
 * - **Overrides** (the config's, then `extraOverrides` from Slack or the API) replace the answer
 *   during `[start, end)`, even where no layer has anyone; when several are active the last one
 *   listed wins (runtime overrides are listed after the config's, newest last).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Where the on-call answer came from; shown by `herald who-is-paged` and in timelines. */
export type OnCallSource =
  | { readonly kind: 'layer'; readonly index: number; readonly name: string }
  | { readonly kind: 'override'; readonly origin: 'config' | 'runtime' }
  | { readonly kind: 'nobody' };

export interface OnCall {
  /** Person ids on call: one, or none. A list so callers need not care why. */
  readonly personIds: readonly string[];
  readonly source: OnCallSource;
}

/** A moment the on-call answer changes. */
export interface Handoff {
  readonly at: DateTime;
  /** Who is on call from `at` on (empty: nobody). */
  readonly personIds: readonly string[];
}

/** Local wall-clock time as "naive" milliseconds: the local date and time read as if UTC. */
class WallClock {
  private readonly zone: IANAZone;
  /** Offset by UTC hour, for hours whose offset is the same at both ends (all but transition hours). */
  private readonly hourly = new Map<number, number>();
  constructor(readonly name: string) {
    this.zone = IANAZone.create(name);
  }
  /** The zone's UTC offset at `instant`, in ms. Cached by hour: luxon's lookup goes through Intl and costs microseconds. */
  offsetMs(instant: number): number {
    const hour = Math.floor(instant / HOUR);
    const cached = this.hourly.get(hour);
    if (cached !== undefined) return cached;
    const offset = this.zone.offset(instant) * MINUTE;
    const start = this.zone.offset(hour * HOUR) * MINUTE;
    if (start === offset && this.zone.offset((hour + 1) * HOUR - 1) * MINUTE === offset) {
      if (this.hourly.size >= 100_000) this.hourly.clear();
      this.hourly.set(hour, offset);
    }
    return offset;
  }
  naive(instant: number): number {
    return instant + this.offsetMs(instant);
  }
  /** Every instant whose local time is `naive`: none in a spring-forward gap, two in a fall-back overlap. */
  instants(naive: number): number[] {
    const offsets = new Set([naive - DAY, naive, naive + DAY].map((t) => this.offsetMs(t)));
    const found = [...offsets].map((o) => naive - o).filter((t) => this.naive(t) === naive);
    return found.sort((a, b) => a - b);
  }
  /** When a wall-clock time happens: the first time if twice; at the jump if skipped. */
  resolve(naive: number): number {
    const first = this.instants(naive)[0];
    if (first !== undefined) return first;
    // In a gap: local time jumps over `naive` at some instant between these two; find it.
    const offsets = [naive - DAY, naive + DAY].map((t) => this.offsetMs(t));
    let lo = naive - Math.max(...offsets);
    let hi = naive - Math.min(...offsets);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.naive(mid) > naive) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
/** Day number since 1970-01-01 (a Thursday) of a naive time, and its weekday index (mon = 0). */
const dayOf = (naive: number): number => Math.floor(naive / DAY);
const weekdayIndex = (day: number): number => (((day + 3) % 7) + 7) % 7;
const WEEKDAY_INDEX: Readonly<Record<string, number>> = {
  mon: 0,
  tue: 1,
  wed: 2,
  thu: 3,
  fri: 4,
  sat: 5,
  sun: 6,
};

interface Window {
  readonly days: ReadonlySet<number>;
  readonly start: number;
  readonly end: number;
}

class CompiledLayer {
  private readonly periodMs: number;
  private readonly startNaive: number;
  private readonly window: Window | undefined;
  constructor(
    private readonly clock: WallClock,
    readonly layer: ScheduleLayer,
  ) {
    const r = layer.rotation;
    this.periodMs = (r === 'daily' ? 24 : r === 'weekly' ? 168 : r.hours) * HOUR;
    this.startNaive = Date.parse(`${layer.start}T00:00:00Z`) + minutesOf(layer.handoff) * MINUTE;
    const w = layer.restrict;
    this.window = w && {
      days: new Set(w.days.map((d) => WEEKDAY_INDEX[d] ?? -1)),
      start: minutesOf(w.start),
      end: minutesOf(w.end),
    };
  }

  /** Instant of the k-th handoff (k = 0: the first shift starts). */
  handoff(k: number): number {
    return this.clock.resolve(this.startNaive + k * this.periodMs);
  }

  /** Index of the shift running at `t`, or undefined before the layer starts. */
  shiftAt(t: number): number | undefined {
    if (t < this.handoff(0)) return undefined;
    let k = Math.max(0, Math.floor((this.clock.naive(t) - this.startNaive) / this.periodMs));
    while (k > 0 && this.handoff(k) > t) k -= 1;
    while (this.handoff(k + 1) <= t) k += 1;
    return k;
  }

  /**
   * Whether the restrict window is open at `t`. Each listed day's window is the real-time interval
   * from when the wall clock first shows `start` to when it first shows `end` (next day if
   * earlier), so a window does not close and reopen during a repeated fall-back hour.
   */
  active(t: number): boolean {
    const w = this.window;
    if (w === undefined) return true;
    const today = dayOf(this.clock.naive(t));
    for (let day = today - 1; day <= today + 1; day += 1) {
      if (!w.days.has(weekdayIndex(day))) continue;
      const [open, close] = this.windowOf(w, day);
      if (open <= t && t < close) return true;
    }
    return false;
  }

  private windowOf(w: Window, day: number): [number, number] {
    const end = w.end > w.start ? w.end : w.end + 24 * 60;
    return [this.clock.resolve(day * DAY + w.start * MINUTE), this.clock.resolve(day * DAY + end * MINUTE)];
  }

  memberAt(t: number): string | undefined {
    if (!this.active(t)) return undefined;
    const k = this.shiftAt(t);
    return k === undefined ? undefined : this.layer.members[k % this.layer.members.length];
  }

  /** Instants in (from, to) where this layer's member or activity may change. */
  changePoints(from: number, to: number, out: number[]): void {
    const fromNaive = this.clock.naive(from);
    let k = Math.max(0, Math.floor((fromNaive - this.startNaive) / this.periodMs) - 1);
    for (let at = this.handoff(k); at < to; k += 1, at = this.handoff(k)) if (at > from) out.push(at);
    const w = this.window;
    if (w === undefined) return;
    for (let day = dayOf(fromNaive) - 1; day <= dayOf(this.clock.naive(to)) + 1; day += 1) {
      if (!w.days.has(weekdayIndex(day))) continue;
      for (const at of this.windowOf(w, day)) if (at > from && at < to) out.push(at);
    }
  }
}

interface CompiledOverride {
  readonly person: string;
  readonly start: number;
  readonly end: number;
  readonly origin: 'config' | 'runtime';
}

class CompiledSchedule {
  private readonly layers: readonly CompiledLayer[];
  private readonly overrides: readonly CompiledOverride[];
  constructor(layers: readonly CompiledLayer[], overrides: readonly CompiledOverride[]) {
    this.layers = layers;
    this.overrides = overrides;
  }

  static of(schedule: Schedule, extra: readonly ScheduleOverride[]): CompiledSchedule {
    const base = cache.get(schedule) ?? CompiledSchedule.build(schedule);
    cache.set(schedule, base);
    if (extra.length === 0) return base;
    return new CompiledSchedule(base.layers, [
      ...base.overrides,
      ...extra.map((o) => parseOverride(o, 'runtime')),
    ]);
  }

  private static build(schedule: Schedule): CompiledSchedule {
    const clock = new WallClock(schedule.timezone);
    return new CompiledSchedule(
      schedule.layers.map((l) => new CompiledLayer(clock, l)),
      schedule.overrides.map((o) => parseOverride(o, 'config')),
    );
  }

  at(t: number): OnCall {
    for (let i = this.overrides.length - 1; i >= 0; i -= 1) {
      const o = this.overrides[i];
      if (o && o.start <= t && t < o.end)
        return { personIds: [o.person], source: { kind: 'override', origin: o.origin } };
    }
    for (let i = this.layers.length - 1; i >= 0; i -= 1) {
      const layer = this.layers[i];
      const member = layer?.memberAt(t);
      if (layer && member !== undefined) {
        return { personIds: [member], source: { kind: 'layer', index: i, name: layer.layer.name } };
      }
    }
    return { personIds: [], source: { kind: 'nobody' } };
  }

  changePoints(from: number, to: number): number[] {
    const out: number[] = [];
    for (const layer of this.layers) layer.changePoints(from, to, out);
    for (const o of this.overrides) for (const at of [o.start, o.end]) if (at > from && at < to) out.push(at);
    return [...new Set(out)].sort((a, b) => a - b);
  }
}

/** An invalid DateTime here is a caller bug (inputs are validated at the edges). */
function millisOf(t: DateTime): number {
  if (!t.isValid) throw new RangeError(`invalid DateTime: ${t.invalidExplanation ?? t.invalidReason ?? ''}`);
  return t.toMillis();
}

/** Compiled config schedules (the config is frozen, so its objects are stable keys). */
const cache = new WeakMap<Schedule, CompiledSchedule>();

function parseOverride(o: ScheduleOverride, origin: 'config' | 'runtime'): CompiledOverride {
  return { person: o.person, start: Date.parse(o.start), end: Date.parse(o.end), origin };
}

/**
 * Who is on call for `schedule` at `at`, and why (which layer, or an override). Pure: the same
 * inputs always give the same answer. `extraOverrides` are runtime overrides (Slack, API), with
 * ISO instants like the config's; they win over the config's overrides.
 */
export function explainOnCall(
  schedule: Schedule,
  at: DateTime,
  extraOverrides: readonly ScheduleOverride[] = [],
): OnCall {
  return CompiledSchedule.of(schedule, extraOverrides).at(millisOf(at));
}

/** Person ids on call for `schedule` at `at` (one, or none); see the module comment for semantics. */
export function whoIsOnCall(
  schedule: Schedule,
  at: DateTime,
  extraOverrides: readonly ScheduleOverride[] = [],
): string[] {
  return [...explainOnCall(schedule, at, extraOverrides).personIds];
}

/**
 * Instants in the open interval (from, to) at which the on-call answer *may* change: every
 * handoff, restrict-window edge, layer start and override edge. A superset of the real changes,
 * cheap to compute, so callers (coverage checks, timelines) can evaluate only there instead of
 * minute by minute. Returned in UTC, ascending, without duplicates.
 */
export function changePoints(
  schedule: Schedule,
  from: DateTime,
  to: DateTime,
  extraOverrides: readonly ScheduleOverride[] = [],
): DateTime[] {
  return CompiledSchedule.of(schedule, extraOverrides)
    .changePoints(millisOf(from), millisOf(to))
    .map((ms) => DateTime.fromMillis(ms, { zone: 'utc' }));
}

/**
 * The real changes of who is on call in the open interval (from, to), in order: each with the
 * instant (UTC) and who is on call from then on. For the App Home ("next handoff") and coverage.
 */
export function nextHandoffs(
  schedule: Schedule,
  from: DateTime,
  to: DateTime,
  extraOverrides: readonly ScheduleOverride[] = [],
): Handoff[] {
  const compiled = CompiledSchedule.of(schedule, extraOverrides);
  let current = compiled.at(millisOf(from)).personIds.join(',');
  const out: Handoff[] = [];
  for (const ms of compiled.changePoints(from.toMillis(), millisOf(to))) {
    const { personIds } = compiled.at(ms);
    if (personIds.join(',') === current) continue;
    current = personIds.join(',');
    out.push({ at: DateTime.fromMillis(ms, { zone: 'utc' }), personIds });
  }
  return out;
}
