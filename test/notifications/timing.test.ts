import { DateTime } from 'luxon';
import { canonical, rowHash } from '../../src/notifications/audit';
import { RateLimiter, heraldLimits, limitKey } from '../../src/notifications/ratelimit';
import { backoffMs, quietUntil } from '../../src/notifications/timing';

const at = (iso: string) => DateTime.fromISO(iso, { setZone: true });

describe('quiet hours', () => {
  const night = { start: '22:00', end: '07:00' };
  it('holds inside a window that spans midnight, until its end in the person’s timezone', () => {
    expect(quietUntil(night, 'Europe/London', at('2026-11-26T23:30:00Z'))?.toISO()).toBe(
      '2026-11-27T07:00:00.000Z',
    );
    expect(quietUntil(night, 'Europe/London', at('2026-11-27T03:00:00Z'))?.toISO()).toBe(
      '2026-11-27T07:00:00.000Z',
    );
    expect(quietUntil(night, 'America/New_York', at('2026-11-27T03:00:00Z'))?.toISO()).toBe(
      '2026-11-27T12:00:00.000Z',
    );
  });
  it('does not hold outside the window, at its end, or without one', () => {
    expect(quietUntil(night, 'Europe/London', at('2026-11-26T21:59:00Z'))).toBeUndefined();
    expect(quietUntil(night, 'Europe/London', at('2026-11-27T07:00:00Z'))).toBeUndefined();
    expect(quietUntil(undefined, 'UTC', at('2026-11-27T03:00:00Z'))).toBeUndefined();
  });
  it('handles a same-day window and a DST change (London springs forward 2027-03-28)', () => {
    expect(quietUntil({ start: '12:00', end: '13:30' }, 'UTC', at('2026-11-26T12:10:00Z'))?.toISO()).toBe(
      '2026-11-26T13:30:00.000Z',
    );
    // 23:30 GMT on the 27th; the window ends 07:00 BST on the 28th = 06:00 UTC
    expect(quietUntil(night, 'Europe/London', at('2027-03-27T23:30:00Z'))?.toISO()).toBe(
      '2027-03-28T06:00:00.000Z',
    );
  });
});

describe('backoff', () => {
  const policy = { baseMs: 1000, maxMs: 60_000 };
  it('grows exponentially within [step/2, step] and caps at max', () => {
    expect(backoffMs(1, policy, undefined, () => 0)).toBe(500);
    expect(backoffMs(1, policy, undefined, () => 1)).toBe(1000);
    expect(backoffMs(4, policy, undefined, () => 1)).toBe(8000);
    expect(backoffMs(20, policy, undefined, () => 1)).toBe(60_000);
  });
  it('waits at least as long as the provider’s Retry-After', () => {
    expect(backoffMs(1, policy, 30_000, () => 0)).toBe(30_000);
    expect(backoffMs(6, policy, 1_000, () => 1)).toBe(32_000);
  });
});

describe('rate limits', () => {
  it('lets a burst through, then spaces one Slack channel to one message a second without touching others', () => {
    const limiter = new RateLimiter(heraldLimits(2));
    const t0 = at('2026-11-26T10:00:00Z');
    const incidents = limitKey('slack_channel', 'C0INC');
    expect(limiter.reserve(incidents, t0)).toBe(0);
    expect(limiter.reserve(incidents, t0)).toBe(1000);
    expect(limiter.reserve(limitKey('slack_channel', 'C0OTHER'), t0)).toBe(0);
    expect(limiter.reserve('sms', t0)).toBe(0); // unlimited channel
    expect(limiter.reserve(incidents, t0.plus({ milliseconds: 1000 }))).toBe(0);
  });
  it('applies the configured SES rate', () => {
    const limiter = new RateLimiter(heraldLimits(2));
    const t0 = at('2026-11-26T10:00:00Z');
    expect([0, 1, 2].map(() => limiter.reserve('email', t0))).toEqual([0, 0, 500]);
    expect(limiter.reserve('email', t0.plus({ milliseconds: 500 }))).toBe(0);
  });
  it('neither drains nor refills a bucket when the clock is set back, and counts on from there', () => {
    const limiter = new RateLimiter(heraldLimits(2));
    const t0 = at('2026-11-27T10:00:00Z');
    expect([0, 1].map(() => limiter.reserve('email', t0))).toEqual([0, 0]);
    const back = t0.minus({ hours: 3 });
    expect(limiter.reserve('email', back)).toBe(500); // the bucket as it was, not hours in debt
    expect(limiter.reserve('email', back.plus({ milliseconds: 500 }))).toBe(0);
  });
});

describe('audit hashing', () => {
  it('is independent of key order and changes with any field', () => {
    expect(canonical({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}',
    );
    const row = {
      at: '2026-11-26T10:00:00.000Z',
      kind: 'delivery.sent',
      incidentId: 1,
      deliveryId: 2,
      data: { a: 1 },
    };
    const h = rowHash('0'.repeat(64), row);
    expect(rowHash('0'.repeat(64), { ...row, data: { a: 1 } })).toBe(h);
    expect(rowHash('0'.repeat(64), { ...row, data: { a: 2 } })).not.toBe(h);
    expect(rowHash('1'.repeat(64), row)).not.toBe(h);
  });
});
