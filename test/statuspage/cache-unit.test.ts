import { DateTime } from 'luxon';
import { PageCache, UNTRUSTED_MAX_AGE_MS, type Renderer } from '../../src/statuspage/cache';
import type { Snapshot } from '../../src/statuspage/snapshot';
import { ManualClock } from '../../src/common/clock';
import { testLogger } from '../support/db';

/** PageCache alone, with a snapshot loader the test controls (no database). */
function setup(minRefreshIntervalMs = 0) {
  const clock = new ManualClock('2026-11-26T12:00:00Z');
  let version = 0;
  let gate: { release: () => void; fail: (e: Error) => void } | null = null;
  const load = async (now: DateTime): Promise<Snapshot> => {
    version++;
    const v = version;
    if (gate === null) return snapshot(now, v);
    const g = gate;
    return new Promise<Snapshot>((resolve, reject) => {
      g.release = () => resolve(snapshot(now, v));
      g.fail = reject;
    });
  };
  const snapshot = (now: DateTime, v: number): Snapshot =>
    ({
      loadedAt: now,
      windowStart: now,
      incidents: [],
      events: new Map(),
      overrides: new Map(),
      maintenances: [],
      v,
    }) as Snapshot;
  const renderer: Renderer = (snap, now) => ({
    body: `version ${(snap as Snapshot & { v: number }).v} at ${now.toISO()}`,
    contentType: 'text/plain',
    validUntil: now.plus({ minutes: 1 }),
  });
  const cache = new PageCache({
    load,
    clock,
    logger: testLogger,
    retryAfterFailureMs: 0,
    minRefreshIntervalMs,
  });
  const holdLoads = () => {
    const g = { release: () => undefined, fail: (_e: Error) => undefined } as {
      release: () => void;
      fail: (e: Error) => void;
    };
    gate = g;
    return g;
  };
  const openLoads = () => (gate = null);
  return { clock, cache, renderer, holdLoads, openLoads };
}
const text = (r: { body: Buffer }) => r.body.toString('utf8');
const tick = () => new Promise((r) => setImmediate(r));

describe('PageCache', () => {
  it('serves the previous bytes while a change is re-rendered, then the new ones', async () => {
    const { cache, renderer, holdLoads } = setup();
    cache.setLive(true);
    expect(text(await cache.get('k', renderer))).toMatch(/^version 1 /);
    const gate = holdLoads();
    cache.invalidate('change');
    await tick();
    // the reload is stuck in the "database": requests still get version 1 at once
    expect(text(await cache.get('k', renderer))).toMatch(/^version 1 /);
    expect(cache.stats.loads).toBe(2);
    gate.release();
    await cache.settled();
    expect(text(await cache.get('k', renderer))).toMatch(/^version 2 /);
    expect(cache.stats.loads).toBe(2);
  });

  it('coalesces a burst of changes into one reload when refreshes are throttled', async () => {
    const { cache, renderer } = setup(200);
    cache.setLive(true);
    await cache.get('k', renderer);
    cache.invalidate('first'); // the first refresh starts at once
    await cache.settled();
    expect(cache.stats.loads).toBe(2);
    expect(text(await cache.get('k', renderer))).toMatch(/^version 2 /); // requested: kept hot
    for (const reason of ['a', 'b', 'c']) cache.invalidate(reason);
    expect(text(await cache.get('k', renderer))).toMatch(/^version 2 /); // stale while throttled
    await cache.settled();
    expect(cache.stats.loads).toBe(3);
    expect(text(await cache.get('k', renderer))).toMatch(/^version 3 /);
  });

  it('keeps serving the last good page when a reload fails, and retries on the next request', async () => {
    const { cache, renderer, holdLoads, openLoads } = setup();
    cache.setLive(true);
    await cache.get('k', renderer);
    const gate = holdLoads();
    cache.invalidate('change');
    await tick();
    gate.fail(new Error('database down'));
    await cache.settled();
    openLoads();
    expect(text(await cache.get('k', renderer))).toMatch(/^version 1 /); // and starts a retry
    await cache.settled();
    expect(text(await cache.get('k', renderer))).toMatch(/^version 3 /);
  });

  it('re-renders from the same snapshot when the time-derived part expires, without a reload', async () => {
    const { clock, cache, renderer } = setup();
    cache.setLive(true);
    const first = await cache.get('k', renderer);
    clock.advance({ seconds: 30 });
    expect(await cache.get('k', renderer)).toBe(first);
    clock.advance({ seconds: 31 });
    const second = await cache.get('k', renderer);
    expect(text(second)).toMatch(/^version 1 at 2026-11-26T12:01:01/);
    expect(second.etag).not.toBe(first.etag);
    expect(cache.stats).toMatchObject({ loads: 1, renders: 2 });
  });

  it('re-renders in the background when only a soft refresh is due, serving the old bytes meanwhile', async () => {
    const { clock, cache } = setup();
    cache.setLive(true);
    let n = 0;
    const soft: Renderer = (_s, now) => ({
      body: `render ${++n}`,
      contentType: 'text/plain',
      validUntil: now.plus({ hours: 1 }),
      refreshAfter: now.plus({ seconds: 10 }),
    });
    expect(text(await cache.get('k', soft))).toBe('render 1');
    clock.advance({ seconds: 11 });
    expect(text(await cache.get('k', soft))).toBe('render 1'); // served at once, refresh started
    await cache.settled();
    expect(text(await cache.get('k', soft))).toBe('render 2');
    expect(cache.stats).toMatchObject({ loads: 1, renders: 2 });
  });

  it('keeps Last-Modified when a re-render produces the same bytes', async () => {
    const { clock, cache } = setup();
    cache.setLive(true);
    const fixed: Renderer = (_s, now) => ({
      body: 'same',
      contentType: 'text/plain',
      validUntil: now.plus({ seconds: 1 }),
    });
    const first = await cache.get('k', fixed);
    clock.advance({ seconds: 5 });
    const second = await cache.get('k', fixed);
    expect(cache.stats.renders).toBe(2);
    expect([second.etag, second.lastModifiedHttp]).toEqual([first.etag, first.lastModifiedHttp]);
  });

  it('trusts cached pages only briefly while change notifications are not connected', async () => {
    const { clock, cache, renderer } = setup();
    await cache.get('k', renderer); // not live: nobody would tell us about changes
    clock.advance({ milliseconds: UNTRUSTED_MAX_AGE_MS - 1 });
    await cache.get('k', renderer);
    expect(cache.stats.loads).toBe(1);
    clock.advance({ milliseconds: 2 });
    await cache.get('k', renderer);
    await cache.settled();
    expect(cache.stats.loads).toBe(2);
    expect(text(await cache.get('k', renderer))).toMatch(/^version 2 /);
  });
});
