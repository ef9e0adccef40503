import { hash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HeraldError } from '../common/errors';
import { throttleOf } from './throttle';

/** A secret's SHA-256: equal-length values that compare in constant time whatever the secrets' lengths. */
export const secretDigest = (secret: string): Buffer => hash('sha256', secret, 'buffer');

/** Constant-time comparison of two {@link secretDigest}s. */
export const matchesDigest = (given: Buffer, expected: Buffer): boolean => timingSafeEqual(given, expected);

/** Constant-time comparison of two secrets of any length (compares their SHA-256 digests). */
export function secretsEqual(given: string, expected: string): boolean {
  return matchesDigest(secretDigest(given), secretDigest(expected));
}

/** The bearer token of a request, or the password of HTTP basic auth (for browsers). */
export function presentedToken(req: FastifyRequest, allowQuery = false): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const [scheme, value] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer' && value) return value.trim();
    if (scheme?.toLowerCase() === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon >= 0 ? decoded.slice(colon + 1) : undefined;
    }
  }
  if (allowQuery) {
    const q = (req.query as Record<string, unknown> | undefined)?.token;
    if (typeof q === 'string' && q) return q;
  }
  return undefined;
}

/**
 * Refuses unless the request carries the expected token. With no token configured the guarded
 * routes are closed (401), never open. An address with too many recent failures gets 429 before
 * its token is looked at, and each wrong token counts against it (see AuthThrottle).
 */
export function requireToken(req: FastifyRequest, expected: string | undefined, what: string): void {
  if (!expected) {
    throw new HeraldError('Unauthorized', `${what} is disabled: set HERALD_API_TOKEN to enable it`);
  }
  const throttle = throttleOf(req);
  throttle.check(req.ip);
  const given = presentedToken(req);
  if (!given)
    throw new HeraldError('Unauthorized', 'missing credentials: send Authorization: Bearer <token>');
  if (!secretsEqual(given, expected)) {
    throttle.fail(req.ip);
    throw new HeraldError('Unauthorized', 'invalid token');
  }
}
