import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { DateTime } from 'luxon';
import type { Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import type { Snapshot } from './snapshot';

/** What a page renderer produces from a snapshot at an instant. */
export interface RenderResult {
  readonly status?: number;
  readonly body: string;
  readonly contentType: string;
  /** After this the same snapshot renders differently (a window starts, a day ends): never served later. */
  readonly validUntil: DateTime;
  /** After this a re-render is due, but the old bytes may be served while it runs (default: validUntil). */
  readonly refreshAfter?: DateTime;
}
export type Renderer = (snapshot: Snapshot, now: DateTime) => RenderResult | Promise<RenderResult>;

/** A rendered response, ready to send as is. */
export interface CachedResponse {
  readonly status: number;
  readonly body: Buffer;
  readonly contentType: string;
  /** Strong validator: a digest of the body (a suffix marks compressed representations). */
  readonly etag: string;
  /** The same body compressed once at render time, when worth it (browsers all accept these). */
  readonly br: Buffer | null;
  readonly gzip: Buffer | null;
  /** When this body was first rendered (a re-render to the same bytes keeps it). */
  readonly lastModified: Date;
  readonly lastModifiedHttp: string;
}

interface Entry extends CachedResponse {
  readonly generation: number;
  readonly renderer: Renderer;
  readonly renderedAt: number;
  readonly validUntil: number;
  readonly refreshAfter: number;
  /** Requested since it was rendered: worth re-rendering eagerly after a change. */
  hot: boolean;
}

/** While not told of changes (LISTEN down), cached responses are trusted for this long. */
export const UNTRUSTED_MAX_AGE_MS = 5000;
/** The snapshot is reloaded at least this often, so its 90-day window keeps moving. */
export const SNAPSHOT_MAX_AGE_MS = 6 * 3600_000;
/** Eager refreshes start at most this often: a burst of updates costs one re-render a second. */
export const MIN_REFRESH_INTERVAL_MS = 1000;
const MAX_ENTRIES = 500;
const RETRY_AFTER_FAILURE_MS = 1000;
/** Smaller bodies are sent as they are: compressing them saves less than the headers cost. */
const COMPRESS_MIN_BYTES = 1024;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** Compressed once per render, on libuv's thread pool: the event loop keeps answering meanwhile. */
async function compressed(body: Buffer): Promise<{ br: Buffer | null; gzip: Buffer | null }> {
  if (body.length < COMPRESS_MIN_BYTES) return { br: null, gzip: null };
  const [br, gz] = await Promise.all([
    brotli(body, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }),
    gzip(body, { level: 6 }),
  ]);
  return { br, gzip: gz };
}

export interface PageCacheDeps {
  load: (now: DateTime) => Promise<Snapshot>;
  clock: Clock;
  logger: Logger;
  /** Work shared by every renderer (the page model), run in its own event-loop turn. */
  prepare?: (snapshot: Snapshot, now: DateTime) => void;
  /** Pause before retrying a failed eager refresh (monotonic ms). */
  retryAfterFailureMs?: number;
  /** Minimum time between the starts of two eager refreshes (monotonic ms). */
  minRefreshIntervalMs?: number;
}

/**
 * Rendered pages and JSON in memory. Steady state: a request is a map lookup and a clock read; no
 * database query, no rendering. A change (`invalidate`, driven by LISTEN/NOTIFY from every process)
 * starts one snapshot load and re-renders the responses that are being requested, while requests
 * keep getting the previous bytes (stale-while-revalidate). Refreshes are throttled (a burst of
 * updates costs one re-render a second) and yield to the event loop between steps, so requests
 * never queue behind a whole re-render.
 *
 * Events: `invalidated` (after a change is known), `refreshed` (after an eager re-render).
 */
export class PageCache extends EventEmitter {
  private generation = 0;
  private snapshot: { generation: number; promise: Promise<Snapshot>; loadedAt: number } | null = null;
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<CachedResponse>>();
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private lastRefreshAt = -Infinity;
  private failedAt = -Infinity;
  private live = false;
  private closed = false;
  private wake: (() => void) | null = null;
  private loads = 0;
  private renders = 0;

  constructor(private readonly deps: PageCacheDeps) {
    super();
  }

  /** Whether change notifications are arriving; without them entries expire quickly. */
  setLive(live: boolean): void {
    if (live && !this.live) this.invalidate('notifications (re)connected');
    this.live = live;
  }

  /** Something shown may have changed: the next snapshot is loaded afresh. */
  invalidate(reason: string): void {
    this.generation++;
    this.snapshot = null;
    for (const [key, e] of this.entries) if (!e.hot) this.entries.delete(key);
    this.emit('invalidated', reason);
    if (this.entries.size > 0) this.scheduleRefresh();
  }

  /** Snapshot loads (database reads) and renders so far: steady state means neither moves. */
  get stats(): { loads: number; renders: number; live: boolean } {
    return { loads: this.loads, renders: this.renders, live: this.live };
  }

  /** Stops eager refreshes (shutdown): a throttled one still waiting is dropped. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.settled();
  }

  /** Resolves once no eager refresh is pending or running (tests, benchmarks). */
  async settled(): Promise<void> {
    while (this.refreshing) await this.refreshing;
  }

  /**
   * The response for `key`: from memory when fresh (or stale while its eager refresh runs),
   * otherwise rendered now. `peek` is the synchronous fast path.
   */
  get(key: string, renderer: Renderer): Promise<CachedResponse> {
    const hit = this.peek(key);
    return hit ? Promise.resolve(hit) : this.render(key, renderer);
  }

  /** A servable response without rendering, or undefined when `get` has to render. */
  peek(key: string): CachedResponse | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    const now = this.deps.clock.millis();
    if (!this.live && now - e.renderedAt > UNTRUSTED_MAX_AGE_MS && e.generation === this.generation) {
      this.invalidate('change notifications are not connected');
    } else if (this.snapshot && now - this.snapshot.loadedAt > SNAPSHOT_MAX_AGE_MS) {
      this.invalidate('snapshot window moved');
    }
    e.hot = true;
    if (now >= e.validUntil) return undefined; // time moved past a boundary: render now
    if (e.generation !== this.generation || now >= e.refreshAfter) this.scheduleRefresh(); // stale meanwhile
    return e;
  }

  /** One render per key at a time; stored only if no change happened meanwhile. */
  private render(key: string, renderer: Renderer): Promise<CachedResponse> {
    const running = this.inflight.get(key);
    if (running) return running;
    const promise = this.renderNow(key, renderer).finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  private async renderNow(key: string, renderer: Renderer): Promise<CachedResponse> {
    const generation = this.generation;
    const snapshot = await this.currentSnapshot();
    const now = this.deps.clock.now();
    this.renders++;
    const result = await renderer(snapshot, now);
    const body = Buffer.from(result.body, 'utf8');
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
    const variants = await compressed(body);
    const previous = this.entries.get(key);
    const lastModified =
      previous && previous.etag === etag
        ? previous.lastModified
        : new Date(Math.floor(now.toMillis() / 1000) * 1000);
    const entry: Entry = {
      status: result.status ?? 200,
      body,
      contentType: result.contentType,
      etag,
      ...variants,
      lastModified,
      lastModifiedHttp: lastModified.toUTCString(),
      generation,
      renderer,
      renderedAt: now.toMillis(),
      validUntil: result.validUntil.toMillis(),
      refreshAfter: (result.refreshAfter ?? result.validUntil).toMillis(),
      hot: previous?.hot ?? true,
    };
    if (generation === this.generation) {
      this.entries.delete(key); // re-insert: the map's order is least recently rendered first
      this.entries.set(key, entry);
      if (this.entries.size > MAX_ENTRIES) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    return entry;
  }

  private currentSnapshot(): Promise<Snapshot> {
    const generation = this.generation;
    if (this.snapshot && this.snapshot.generation === generation) return this.snapshot.promise;
    const now = this.deps.clock.now();
    this.loads++;
    const promise = this.deps.load(now);
    const slot = { generation, promise, loadedAt: now.toMillis() };
    this.snapshot = slot;
    promise.catch(() => {
      if (this.snapshot === slot) this.snapshot = null; // the next request tries again
    });
    return promise;
  }

  // Throttling and backoff use the monotonic clock: they must elapse even when the injected clock
  // stands still (tests) and they are about this process's load, not about domain time.
  private scheduleRefresh(): void {
    if (this.closed) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    const t = performance.now();
    if (t - this.failedAt < (this.deps.retryAfterFailureMs ?? RETRY_AFTER_FAILURE_MS)) return;
    const wait = this.lastRefreshAt + (this.deps.minRefreshIntervalMs ?? MIN_REFRESH_INTERVAL_MS) - t;
    this.refreshing = (async () => {
      if (wait > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait).unref();
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
      if (!this.closed) await this.refreshLoop();
    })()
      .catch((err: unknown) => {
        this.failedAt = performance.now();
        // The boundary of this background task: requests keep the last good pages and retry.
        this.deps.logger.error({ err }, 'status page refresh failed; serving the previous version');
      })
      .finally(() => {
        this.refreshing = null;
        this.emit('refreshed');
      });
  }

  private async refreshLoop(): Promise<void> {
    do {
      this.refreshAgain = false;
      this.lastRefreshAt = performance.now();
      const stale = [...this.entries].filter(([, e]) => this.isStale(e));
      if (stale.length === 0) continue;
      const snapshot = await this.currentSnapshot();
      if (this.deps.prepare) {
        await nextTurn();
        this.deps.prepare(snapshot, this.deps.clock.now());
      }
      for (const [key, e] of stale) {
        await nextTurn(); // let waiting requests through between renders
        e.hot = false;
        await this.render(key, e.renderer);
      }
    } while (this.refreshAgain || [...this.entries.values()].some((e) => this.isStale(e)));
  }

  /** Outdated by a change, or due a time-driven refresh and still being requested. */
  private isStale(e: Entry): boolean {
    return e.generation !== this.generation || (e.hot && this.deps.clock.now().toMillis() >= e.refreshAfter);
  }
}
