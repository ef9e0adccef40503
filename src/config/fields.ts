import { DateTime } from 'luxon';
import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Field validators shared by the `herald.yml` schema. Each one carries its own message so that a
 * mistake is reported as `path: what was expected, got "what was written"`. Validators of secret
 * fields never echo the value: error messages end up in logs and CI output.
 */

/** The value as written, for messages: `"25:00"`, `5`, `null`. */
export const shown = (value: unknown): string => JSON.stringify(value) ?? String(value);

/** A closed set of words, reported as `unknown <noun> "x" (expected one of: …)`. */
export function oneOf<const T extends readonly [string, ...string[]]>(noun: string, values: T) {
  return z.enum(values, {
    error: (iss) =>
      iss.input === undefined
        ? 'required'
        : `unknown ${noun} ${shown(iss.input)} (expected one of: ${values.join(', ')})`,
  });
}

/** A string that must match `pattern`; `expected` describes it for people ("HH:MM"). */
export function matching(pattern: RegExp, expected: string) {
  return z.string().regex(pattern, { error: (iss) => `expected ${expected}, got ${shown(iss.input)}` });
}

/** Ids are lowercase slugs so they can appear in URLs, Slack option values and CLI flags. */
export const slug = matching(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a lowercase id (a-z, 0-9, dashes; up to 64)');

/** A display name: any non-empty text. */
export const text = z.string().trim().min(1);

/** 24-hour wall-clock time. */
export const hhmm = matching(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

export const slackUserId = matching(/^[UW][A-Z0-9]+$/, 'a Slack user ID like U0123ABCD');
export const slackChannelId = matching(/^[CGD][A-Z0-9]+$/, 'a Slack channel ID like C0123456789');
export const slackUsergroupId = matching(/^S[A-Z0-9]+$/, 'a Slack user group ID like S0123ABCD');

/** E.164: what Twilio and SNS accept without guessing a country. */
export const phone = matching(/^\+[1-9]\d{6,14}$/, 'an E.164 phone number like +15555550100');

export const email = z.email({ error: (iss) => `expected an email address, got ${shown(iss.input)}` });

/**
 * An IANA time zone, as luxon understands it. `local` and `system` are refused: they would make
 * on-call and quiet hours depend on the machine Herald runs on.
 */
export const timezone = z
  .string()
  .refine((tz) => !['local', 'system'].includes(tz.toLowerCase()) && DateTime.local().setZone(tz).isValid, {
    error: (iss) => `unknown timezone ${shown(iss.input)} (expected an IANA name like Europe/London)`,
  });

/** A calendar date (`2026-01-05`). */
export const isoDate = z
  .string()
  .refine((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && DateTime.fromISO(d).isValid, {
    error: (iss) => `expected a date YYYY-MM-DD, got ${shown(iss.input)}`,
  });

/**
 * An instant with an explicit offset, normalised to UTC ISO. A bare local time is refused:
 * in which zone would it be?
 */
export const isoInstant = z
  .string()
  .refine((d) => /(?:Z|[+-]\d{2}:?\d{2})$/.test(d) && DateTime.fromISO(d, { setZone: true }).isValid, {
    error: (iss) =>
      `expected an ISO date-time with offset like 2026-02-01T09:00:00Z, got ${shown(iss.input)}`,
  })
  .transform((d) => DateTime.fromISO(d, { setZone: true }).toUTC().toISO() ?? d);

/** True for an absolute http or https URL. Used by the environment parser too. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** URLs are not echoed: they often carry a token in the query string. */
export const httpUrl = z.string().refine(isHttpUrl, { error: 'expected an http(s) URL' });

/** An integer in a range, reported as `expected an integer from a to b`. */
export function intBetween(min: number, max: number) {
  const error = (iss: { input?: unknown }): string =>
    iss.input === undefined
      ? 'required'
      : `expected an integer from ${min} to ${max}, got ${shown(iss.input)}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/**
 * A secret such as a token: a non-empty string whose value never appears in a message.
 * `minLength` guards against placeholders like "changeme" standing in for a real token.
 */
export function secret(minLength = 1, expected = `at least ${minLength} characters`) {
  return z
    .string({ error: (iss) => (iss.input === undefined ? 'required' : 'expected a string') })
    .refine((s) => s.length >= minLength, {
      error: `invalid (expected ${expected}; the value is not shown)`,
    });
}

/** Standard Webhooks signing secret: `whsec_` followed by base64. */
export const webhookSecret = secret(1).refine((s) => /^whsec_[A-Za-z0-9+/]{16,}={0,2}$/.test(s), {
  error: 'invalid (expected "whsec_" followed by base64, at least 16 characters; the value is not shown)',
});

/** proxy-addr's names for address ranges (what fastify's trustProxy accepts besides addresses). */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** An IP address, a CIDR range (10.0.0.0/8, fd00::/8) or one of proxy-addr's range names. */
export function isProxyAddress(value: string): boolean {
  if (PROXY_RANGES.includes(value)) return true;
  const [addr = '', bits, ...rest] = value.split('/');
  const version = isIP(addr);
  if (version === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128);
}

export const proxyAddress = z.string().refine(isProxyAddress, {
  error: (iss) =>
    `expected an IP address, a CIDR range (10.0.0.0/8) or loopback | linklocal | uniquelocal, got ${shown(iss.input)}`,
});
