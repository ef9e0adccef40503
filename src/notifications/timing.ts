import { DateTime } from 'luxon';

/**
 * Pure timing decisions of the delivery engine: quiet hours and retry backoff. Time is passed in;
 * nothing here reads a clock.
 */

export interface QuietHours {
  readonly start: string; // HH:MM
  readonly end: string; // HH:MM; before start = the window spans midnight
}

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/**
 * If `at` falls inside the person's quiet hours (in their timezone), the instant the window ends;
 * otherwise undefined. Works across midnight and DST (the end is a wall-clock time on the right
 * local day; luxon shifts a non-existent local time forward).
 */
export function quietUntil(window: QuietHours | undefined, zone: string, at: DateTime): DateTime | undefined {
  if (!window) return undefined;
  const local = at.setZone(zone);
  const now = local.hour * 60 + local.minute;
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return undefined;
  let endDay = local.startOf('day');
  if (start > end && now >= start) endDay = endDay.plus({ days: 1 }); // spans midnight, ends tomorrow
  const endsAt = DateTime.fromObject(
    { year: endDay.year, month: endDay.month, day: endDay.day, hour: Math.floor(end / 60), minute: end % 60 },
    { zone },
  );
  return endsAt.toUTC();
}

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, maxMs: 10 * 60_000 };

/**
 * Delay before attempt `attempt + 1` after `attempt` failures: exponential with "equal jitter"
 * (uniform in [step/2, step] where step = min(max, base * 2^(attempt-1))), so a retry storm spreads
 * out but never retries instantly. A provider's Retry-After wins when it asks for longer.
 * `random` is injected for tests.
 */
export function backoffMs(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = step / 2 + random() * (step / 2);
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}
