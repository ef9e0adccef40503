import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CachedResponse } from './cache';

/** Security headers of every HTML page: no script, no external anything, tokens never leak via Referer. */
export const HTML_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** The entity tag without weakness prefix or representation suffix: equal tags mean equal content. */
const opaque = (tag: string): string =>
  tag
    .trim()
    .replace(/^W\//, '')
    .replace(/-(br|gz)"$/, '"');

/** RFC 9110 conditional GET (weak comparison): If-None-Match wins over If-Modified-Since. */
export function notModified(req: IncomingMessage, entry: CachedResponse): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    return inm.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === entry.etag);
  }
  const ims = req.headers['if-modified-since'];
  if (ims) {
    const since = Date.parse(ims);
    return !Number.isNaN(since) && entry.lastModified.getTime() <= since;
  }
  return false;
}

/** The best encoding the client accepts among those we hold (q=0 refuses one). */
export function negotiate(acceptEncoding: string | undefined, entry: CachedResponse): 'br' | 'gzip' | null {
  if (!acceptEncoding || !entry.gzip) return null;
  const accepted = acceptedEncodings(acceptEncoding);
  if (entry.br && accepted.br) return 'br';
  if (accepted.gzip) return 'gzip';
  return null;
}

/** Clients send a handful of distinct Accept-Encoding values: parse each once. */
const parsedEncodings = new Map<string, { br: boolean; gzip: boolean }>();

function acceptedEncodings(header: string): { br: boolean; gzip: boolean } {
  const known = parsedEncodings.get(header);
  if (known) return known;
  const accepted = new Set<string>();
  for (const part of header.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name && (q === undefined || Number(q) > 0)) accepted.add(name.trim());
  }
  const result = { br: accepted.has('br'), gzip: accepted.has('gzip') };
  if (parsedEncodings.size >= 64) parsedEncodings.clear();
  parsedEncodings.set(header, result);
  return result;
}

export interface SendOptions {
  readonly cacheControl: string;
  readonly cors?: boolean;
  readonly vary?: string;
}

type HeaderList = string[];
interface Prepared {
  readonly identity: HeaderList;
  readonly br: HeaderList | null;
  readonly gzip: HeaderList | null;
  readonly notModified: Readonly<Record<'identity' | 'br' | 'gzip', HeaderList>>;
}

/** Writes a cached response (status, headers, body) to Node's response. */
export type CachedSend = (req: IncomingMessage, res: ServerResponse, entry: CachedResponse) => void;

/**
 * A sender for one route's cached responses. Headers are assembled once per rendered response and
 * written straight to Node's response: from a fastify route after `reply.hijack()` (fastify's
 * onSend/serialisation has nothing to do for bytes that are already final; onResponse hooks still
 * run, tied to the raw response's `finish`), or from a FastPath in front of fastify.
 */
export function cachedSender(opts: SendOptions): CachedSend {
  const prepared = new WeakMap<CachedResponse, Prepared>();
  const prepare = (entry: CachedResponse): Prepared => {
    const vary = entry.gzip ? (opts.vary ? `${opts.vary}, accept-encoding` : 'accept-encoding') : opts.vary;
    const common = (etag: string): HeaderList => [
      'etag',
      etag,
      'last-modified',
      entry.lastModifiedHttp,
      'cache-control',
      opts.cacheControl,
      ...(vary ? ['vary', vary] : []),
    ];
    const extra = [
      ...(opts.cors ? ['access-control-allow-origin', '*'] : []),
      ...(entry.contentType.startsWith('text/html')
        ? Object.entries(HTML_SECURITY_HEADERS).flat()
        : ['x-content-type-options', 'nosniff']),
      'content-type',
      entry.contentType,
    ];
    const tag = (suffix: string) => entry.etag.replace(/"$/, `${suffix}"`);
    const full = (etag: string, body: Buffer, encoding?: string): HeaderList => [
      ...common(etag),
      ...extra,
      ...(encoding ? ['content-encoding', encoding] : []),
      'content-length',
      String(body.length),
    ];
    return {
      identity: full(entry.etag, entry.body),
      br: entry.br ? full(tag('-br'), entry.br, 'br') : null,
      gzip: entry.gzip ? full(tag('-gz'), entry.gzip, 'gzip') : null,
      notModified: { identity: common(entry.etag), br: common(tag('-br')), gzip: common(tag('-gz')) },
    };
  };
  return (req, res, entry) => {
    let p = prepared.get(entry);
    if (!p) {
      p = prepare(entry);
      prepared.set(entry, p);
    }
    const encoding = negotiate(req.headers['accept-encoding'], entry);
    if (entry.status === 200 && notModified(req, entry)) {
      res.writeHead(304, p.notModified[encoding ?? 'identity']);
      res.end();
    } else if (encoding === 'br' && p.br && entry.br) {
      res.writeHead(entry.status, p.br);
      res.end(entry.br);
    } else if (encoding === 'gzip' && p.gzip && entry.gzip) {
      res.writeHead(entry.status, p.gzip);
      res.end(entry.gzip);
    } else {
      res.writeHead(entry.status, p.identity);
      res.end(entry.body);
    }
  };
}
