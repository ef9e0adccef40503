import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireToken } from '../http/auth';
import { parseRef, refOf } from '../incidents/incident';
import type { PageCache, Renderer } from './cache';
import { cachedSender } from './http-cache';
import { lazyChildLoggerFactory } from './lazy-logger';
import type { Renderers } from './render';
import { STATUSPAGE_DOCUMENTS } from './statuspage-json';

const PUBLIC = 'public, no-cache';

/**
 * The read side: `/`, `/internal`, `/incidents/{ref}`, `/api/v2/*.json`, `/history.atom|rss`.
 * Every handler is a cache lookup; see cache.ts for when anything is rendered.
 */
export function registerPageRoutes(
  app: FastifyInstance,
  deps: { cache: PageCache; renderers: Renderers; apiToken: string | undefined },
): void {
  const { cache, renderers } = deps;
  const publicSender = cachedSender({ cacheControl: PUBLIC });
  const apiSender = cachedSender({ cacheControl: PUBLIC, cors: true });
  const internalSender = cachedSender({ cacheControl: 'private, no-cache', vary: 'authorization' });
  // Public pages are hit constantly and answered from memory: no per-request info lines, and no
  // per-request child logger unless something is logged (see lazy-logger.ts).
  app.setChildLoggerFactory(lazyChildLoggerFactory);
  const quiet = { logLevel: 'warn' } as const;
  const get = (url: string, key: string, renderer: Renderer, send = publicSender) =>
    app.get(url, quiet, async (req, reply) =>
      send(req, reply, cache.peek(key) ?? (await cache.get(key, renderer))),
    );

  get('/', 'page:/', renderers.publicPage);
  for (const name of Object.keys(STATUSPAGE_DOCUMENTS)) {
    const renderer = renderers.document(name);
    if (renderer) get(`/api/v2/${name}`, `api:${name}`, renderer, apiSender);
  }
  get('/history.atom', 'feed:atom', renderers.feed('atom'));
  get('/history.rss', 'feed:rss', renderers.feed('rss'));

  app.get('/incidents/:ref', quiet, async (req: FastifyRequest<{ Params: { ref: string } }>, reply) => {
    const ref = refOf(parseRef(req.params.ref.slice(0, 20)));
    publicSender(req, reply, await cache.get(`incident:${ref}`, renderers.incidentPage(ref)));
  });

  app.get('/internal', async (req, reply) => {
    authenticate(req, reply, deps.apiToken);
    internalSender(req, reply, await cache.get('page:/internal', renderers.internalPage));
  });
}

/** The API token, as a bearer token or as the password of HTTP basic auth (so a browser can log in). */
function authenticate(req: FastifyRequest, reply: FastifyReply, token: string | undefined): void {
  try {
    requireToken(req, token, 'the internal status page');
  } catch (err) {
    reply.header('www-authenticate', 'Basic realm="Herald internal status", charset="UTF-8"');
    reply.header('cache-control', 'no-store');
    throw err;
  }
}
