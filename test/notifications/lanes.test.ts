import { DateTime } from 'luxon';
import { derivePriority, PRIORITIES } from '../../src/notifications/priority';
import { heraldLimits, RateLimiter } from '../../src/notifications/ratelimit';
import { SendSlots } from '../../src/notifications/slots';

/**
 * Priority lanes in the pieces a flood and a page share: the lane a delivery gets, a channel's
 * rate limit and its send slots. Pure, on literal times (no clock, no waiting).
 */
const t0 = DateTime.fromISO('2026-11-28T10:00:00Z', { zone: 'utc' });
const ms = (n: number) => t0.plus({ milliseconds: n });

describe('the lane of a delivery', () => {
  const base = { recipientKind: 'person', audience: 'technical', severity: 'critical', rule: 'r' } as const;
  it('pages responders for critical and high, escalation levels always; bulk for subscribers and digests', () => {
    expect(derivePriority(base)).toBe('page');
    expect(derivePriority({ ...base, severity: 'high' })).toBe('page');
    expect(derivePriority({ ...base, recipientKind: 'pagerduty' })).toBe('page');
    expect(derivePriority({ ...base, severity: 'low', rule: 'escalation:default:level-1' })).toBe('page');
    expect(derivePriority({ ...base, severity: 'medium' })).toBe('responder');
    expect(derivePriority({ ...base, recipientKind: 'webhook' })).toBe('responder');
    expect(derivePriority({ ...base, audience: 'executive' })).toBe('stakeholder');
    expect(derivePriority({ ...base, audience: 'business' })).toBe('stakeholder');
    expect(derivePriority({ ...base, recipientKind: 'statuspage', audience: 'customer' })).toBe(
      'stakeholder',
    );
    expect(derivePriority({ ...base, recipientKind: 'email_address', audience: 'customer' })).toBe('bulk');
    expect(derivePriority({ ...base, audience: 'executive', rule: 'executive-digest' })).toBe('bulk');
  });
});

describe('a rate limit served by lane', () => {
  it('keeps headroom from bulk so a page in the middle of a flood finds a token at once', () => {
    const limiter = new RateLimiter(heraldLimits(10), { bulkShare: 0.2 }); // burst 10, bulk leaves 3
    const bulk = Array.from({ length: 8 }, (_, i) => limiter.reserve('email', t0, 'bulk', i + 1));
    expect(bulk).toEqual([0, 0, 0, 0, 0, 0, 0, 100]); // the eighth would eat into the headroom
    for (const id of [100, 101, 102]) expect(limiter.reserve('email', t0, 'page', id)).toBe(0);
    expect(limiter.reserve('email', t0, 'page', 103)).toBe(100);
    // Bulk still gets the whole rate: once the bucket is back above the headroom, every token a
    // tick's 500 ms brings goes to bulk.
    expect(limiter.reserve('email', ms(100), 'page', 103)).toBe(0);
    const refill = (at: number, from: number) =>
      Array.from({ length: 6 }, (_, i) => limiter.reserve('email', ms(at), 'bulk', from + i));
    expect(refill(600, 10).filter((w) => w === 0)).toHaveLength(2); // 5 tokens, 3 kept
    expect(refill(1100, 20).filter((w) => w === 0)).toHaveLength(5); // 3 + 5, 3 kept
    expect(refill(1600, 30).filter((w) => w === 0)).toHaveLength(5);
  });

  it('keeps the tokens that accrue while a page waits for it, and lets responders wait behind pages', () => {
    const limiter = new RateLimiter(heraldLimits(5), { bulkShare: 0.2 }); // burst 5
    for (let id = 1; id <= 5; id++) expect(limiter.reserve('email', t0, 'page', id)).toBe(0);
    expect(limiter.reserve('email', t0, 'page', 6)).toBe(200); // deferred: now waiting
    expect(limiter.waiting(t0)).toEqual([{ channel: 'email', priority: 'page', n: 1 }]);
    // A token has accrued, but it is the waiting page's: a responder and bulk are deferred.
    expect(limiter.reserve('email', ms(200), 'responder', 7)).toBeGreaterThan(0);
    expect(limiter.reserve('email', ms(200), 'bulk', 8)).toBeGreaterThan(0);
    expect(limiter.reserve('email', ms(200), 'page', 6)).toBe(0); // the page comes back: served
    expect(limiter.waiting(ms(200))).toEqual([{ channel: 'email', priority: 'responder', n: 1 }]);
  });

  it('gives bulk at most its share of the tokens while higher lanes wait, and not nothing', () => {
    const limiter = new RateLimiter(heraldLimits(10), { bulkShare: 0.2 });
    let id = 0;
    for (let i = 0; i < 10; i++) limiter.reserve('email', t0, 'page', ++id); // drain the bucket
    const waitingPages = Array.from({ length: 30 }, () => ++id);
    for (const p of waitingPages) expect(limiter.reserve('email', t0, 'page', p)).toBeGreaterThan(0);
    // Every 100 ms one token accrues; bulk asks first each time, then the pages still waiting.
    const granted: string[] = [];
    let bulkId = 1000;
    for (let step = 1; step <= 60 && waitingPages.length > 0; step++) {
      const now = ms(step * 100);
      if (limiter.reserve('email', now, 'bulk', bulkId) === 0) {
        granted.push('bulk');
        bulkId++;
      }
      const page = waitingPages[0];
      if (page !== undefined && limiter.reserve('email', now, 'page', page) === 0) {
        granted.push('page');
        waitingPages.shift();
      }
    }
    expect(waitingPages).toEqual([]);
    const bulk = granted.filter((g) => g === 'bulk').length;
    expect(bulk).toBeGreaterThan(0); // not starved
    expect(bulk / granted.length).toBeLessThanOrEqual(0.2);
  });

  it('forgets a waiting delivery some time after its due time (served by another worker)', () => {
    const limiter = new RateLimiter(heraldLimits(1), { bulkShare: 0.2, waitingGraceMs: 500 });
    expect(limiter.reserve('email', t0, 'page', 1)).toBe(0);
    expect(limiter.reserve('email', t0, 'page', 2)).toBe(1000);
    expect(limiter.reserve('email', ms(1000), 'responder', 3)).toBeGreaterThan(0); // page 2 waits
    expect(limiter.reserve('email', ms(1600), 'responder', 3)).toBe(0); // forgotten: 1000 + 500
  });

  it('refunds a token taken for a delivery that was not sent', () => {
    const limiter = new RateLimiter(heraldLimits(1));
    expect(limiter.reserve('email', t0, 'page')).toBe(0);
    limiter.refund('email');
    expect(limiter.reserve('email', t0, 'page')).toBe(0);
    expect(limiter.reserve('email', t0, 'page')).toBe(1000);
  });
});

describe('send slots served by lane', () => {
  it('wakes the most urgent waiter first and keeps reserved slots from bulk', async () => {
    const slots = new SendSlots(16); // 2 reserved for lanes above bulk
    expect(await slots.take(20, 3)).toBe(14); // bulk: all but the reserved
    const order: string[] = [];
    const bulk = slots.take(1, 3).then((n) => order.push(`bulk:${n}`));
    expect(await slots.take(5, 0)).toBe(2); // a page takes the reserved ones at once
    const responder = slots.take(1, 1).then((n) => order.push(`responder:${n}`));
    const page = slots.take(1, 0).then((n) => order.push(`page:${n}`));
    slots.give(1);
    await page;
    slots.give(1);
    await responder;
    expect(order).toEqual(['page:1', 'responder:1']);
    slots.give(2); // two free, both reserved: bulk still waits
    await Promise.resolve();
    expect(order).toEqual(['page:1', 'responder:1']);
    slots.give(1);
    await bulk;
    expect(order).toEqual(['page:1', 'responder:1', 'bulk:1']);
    expect(PRIORITIES).toEqual(['page', 'responder', 'stakeholder', 'bulk']);
  });
});
