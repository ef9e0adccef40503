import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireToken } from '../http/auth';
import { isHeraldError } from '../common/errors';
import { parseRef, refOf } from '../incidents/incident';
import type { FastPath } from '../http/server';
import type { CachedResponse, PageCache, Renderer } from './cache';
import { cachedSender, type CachedSend } from './http-cache';
import { lazyChildLoggerFactory } from './lazy-logger';
import type { Renderers } from './render';
import { STATUSPAGE_DOCUMENTS } from './statuspage-json';

const PUBLIC = 'public, no-cache';

/**
 * The read side: `/`, `/internal`, `/incidents/{ref}`, `/api/v2/*.json`, `/history.atom|rss`.
 * Every handler is a cache lookup; see cache.ts for when anything is rendered. The public ones
 * with fixed paths are also a FastPath: while their cached response is fresh, a GET is answered
 * before fastify's routing (the status page is what everyone reloads during an outage).
 */
export function registerPageRoutes(
  app: FastifyInstance,
  deps: { cache: PageCache; renderers: Renderers; apiToken: string | undefined },
): void {
  const { cache, renderers } = deps;
  const internalSender = cachedSender({ cacheControl: 'private, no-cache', vary: 'authorization' });
  const hijacked =
    (send: CachedSend) => (req: FastifyRequest, reply: FastifyReply, entry: CachedResponse) => {
      reply.hijack();
      send(req.raw, reply.raw, entry);
    };
  // Public pages are hit constantly and answered from memory: no per-request info lines, and no
  // per-request child logger unless something is logged (see lazy-logger.ts).
  app.setChildLoggerFactory(lazyChildLoggerFactory);
  const quiet = { logLevel: 'warn' } as const;
  for (const [url, page] of publicPages(renderers)) {
    const send = hijacked(page.send);
    app.get(url, quiet, async (req, reply) =>
      send(req, reply, cache.peek(page.key) ?? (await cache.get(page.key, page.renderer))),
    );
  }

  app.get('/incidents/:ref', quiet, async (req: FastifyRequest<{ Params: { ref: string } }>, reply) => {
    const ref = refOf(parseRef(req.params.ref.slice(0, 20)));
    hijacked(publicSender)(req, reply, await cache.get(`incident:${ref}`, renderers.incidentPage(ref)));
  });

  app.get('/internal', async (req, reply) => {
    authenticate(req, reply, deps.apiToken);
    hijacked(internalSender)(req, reply, await cache.get('page:/internal', renderers.internalPage));
  });
}

const publicSender = cachedSender({ cacheControl: PUBLIC });
const apiSender = cachedSender({ cacheControl: PUBLIC, cors: true });

interface PublicPage {
  readonly key: string;
  readonly renderer: Renderer;
  readonly send: CachedSend;
}

/** The public documents with fixed paths, by path. */
function publicPages(renderers: Renderers): Map<string, PublicPage> {
  const pages = new Map<string, PublicPage>([
    ['/', { key: 'page:/', renderer: renderers.publicPage, send: publicSender }],
  ]);
  for (const name of Object.keys(STATUSPAGE_DOCUMENTS)) {
    const renderer = renderers.document(name);
    if (renderer) pages.set(`/api/v2/${name}`, { key: `api:${name}`, renderer, send: apiSender });
  }
  pages.set('/history.atom', { key: 'feed:atom', renderer: renderers.feed('atom'), send: publicSender });
  pages.set('/history.rss', { key: 'feed:rss', renderer: renderers.feed('rss'), send: publicSender });
  return pages;
}

/**
 * GETs of the public pages whose cached response is fresh, answered in front of fastify. Anything
 * else (a query string, HEAD, a response that must be rendered first) falls through to the routes
 * above, which give the same bytes.
 */
export function pageFastPath(deps: { cache: PageCache; renderers: Renderers }): FastPath {
  const pages = publicPages(deps.renderers);
  return (req, res) => {
    if (req.method !== 'GET' || req.url === undefined) return undefined;
    const page = pages.get(req.url);
    const entry = page && deps.cache.peek(page.key);
    if (!page || !entry) return undefined;
    page.send(req, res, entry);
    return req.url;
  };
}

/** The API token, as a bearer token or as the password of HTTP basic auth (so a browser can log in). */
function authenticate(req: FastifyRequest, reply: FastifyReply, token: string | undefined): void {
  try {
    requireToken(req, token, 'the internal status page');
  } catch (err) {
    // A throttled address (429) is not asked for credentials again.
    if (!isHeraldError(err) || err.code === 'Unauthorized')
      reply.header('www-authenticate', 'Basic realm="Herald internal status", charset="UTF-8"');
    reply.header('cache-control', 'no-store');
    throw err;
  }
}
