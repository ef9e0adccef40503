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

/** A sender's timestamp, or null when absent, unparseable or a zero value (Alertmanager's 0001-01-01). */
export function senderTime(value: string | undefined | null): DateTime | null {
  if (!value) return null;
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
