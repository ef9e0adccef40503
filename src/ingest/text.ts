import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';

/**
 * Plain-text helpers for what alerts contribute to incidents (titles, descriptions, timeline
 * messages). Nothing here escapes: renderers (Slack mrkdwn, HTML, SMS) escape at their edge.
 */

/** Collapses whitespace and cuts to `max` characters with an ellipsis. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

/** Cuts multi-line text to `max` characters. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** RFC 3339 (what Alertmanager, CloudWatch and most senders write), fractions of any length. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** 2000-01-01T00:00:00Z: earlier times are zero values or clock errors, not alert starts. */
const EARLIEST = Date.UTC(2000, 0, 1);

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** A sender's timestamp, or null when absent, unparseable or a zero value (Alertmanager's 0001-01-01). */
export function senderTime(value: string | undefined | null): DateTime | null {
  if (!value) return null;
  if (RFC3339.test(value)) {
    // The common form, parsed by the engine: luxon's general ISO parser costs ten times as much,
    // on every alert of every request. Date.parse checks the ranges (month 13, hour 25: NaN)
    // except the day's, which it rolls over (April 31st is May 1st): that one is checked here.
    const day = Number(value.slice(8, 10));
    if (day > 28 && day > daysInMonth(Number(value.slice(0, 4)), Number(value.slice(5, 7)))) return null;
    const ms = Date.parse(value);
    return Number.isFinite(ms) && ms >= EARLIEST ? DateTime.fromMillis(ms, { zone: 'utc' }) : null;
  }
  const t = DateTime.fromISO(value, { zone: 'utc' });
  return t.isValid && t.year >= 2000 ? t : null;
}

/** Short stable hash, for keys a sender does not give or gives too long. */
export function shortHash(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 32);
}

/** Labels as `k=v, k=v`, sorted, for titles and fallback keys. */
export function renderLabels(labels: Readonly<Record<string, string>>, skip: readonly string[] = []): string {
  return Object.keys(labels)
    .filter((k) => !skip.includes(k))
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(', ');
}

/** `1 alert`, `3 alerts`. */
export const plural = (n: number, word: string): string =>
  `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
