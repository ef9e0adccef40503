import { DateTime } from 'luxon';

/**
 * The only source of "now" in domain code, so escalation, quiet hours and statistics can be
 * tested by moving time instead of sleeping.
 */
export interface Clock {
  now(): DateTime;
  /** `now()` in epoch milliseconds, without building a DateTime (for hot paths). */
  millis(): number;
}

export const systemClock: Clock = { now: () => DateTime.utc(), millis: () => Date.now() };

/** A clock that only moves when told to; for tests and dry runs. */
export class ManualClock implements Clock {
  private current: DateTime;
  constructor(start: DateTime | string = '2026-01-01T00:00:00Z') {
    this.current = typeof start === 'string' ? DateTime.fromISO(start, { zone: 'utc' }) : start.toUTC();
  }
  now(): DateTime {
    return this.current;
  }
  millis(): number {
    return this.current.toMillis();
  }
  set(to: DateTime | string): void {
    this.current = typeof to === 'string' ? DateTime.fromISO(to, { zone: 'utc' }) : to.toUTC();
  }
  advance(by: {
    minutes?: number;
    seconds?: number;
    hours?: number;
    days?: number;
    milliseconds?: number;
  }): void {
    this.current = this.current.plus(by);
  }
}
