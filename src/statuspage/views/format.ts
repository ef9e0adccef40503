import type { DateTime } from 'luxon';
import type { Status } from '../../incidents/incident';

/** Human wording for the pages. Times are shown in UTC, the one zone every reader can convert. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

// Formatting is plain Date arithmetic in UTC (no locale, no zone lookups): pages format hundreds
// of dates per render, and luxon's formatter costs about a microsecond each.

/** `26 Nov 2026, 13:40 UTC` */
export function fmtDateTime(d: DateTime): string {
  const t = new Date(d.toMillis());
  return `${t.getUTCDate()} ${MONTHS[t.getUTCMonth()]} ${t.getUTCFullYear()}, ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())} UTC`;
}

/** `26 Nov 2026`, from a `yyyy-mm-dd` string or a DateTime. */
export function fmtDate(date: string | DateTime): string {
  if (typeof date !== 'string') return fmtDate(date.toUTC().toISODate() ?? '');
  const [y, m, d] = date.split('-');
  return `${Number(d)} ${MONTHS[Number(m) - 1] ?? '?'} ${y}`;
}

export const isoAttr = (d: DateTime): string => new Date(d.toMillis()).toISOString();

export function fmtMinutes(minutes: number | null): string {
  if (minutes === null) return '–';
  if (minutes < 1) return '< 1 min';
  if (minutes < 60) return `${Math.round(minutes)} min`;
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes % 60);
  if (h < 48) return m ? `${h} h ${m} min` : `${h} h`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export const fmtSeconds = (s: number): string => fmtMinutes(s / 60);

export const INCIDENT_STATUS_LABEL: Readonly<Record<Status, string>> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

export const percent = (p: number): string => `${p >= 99.995 && p < 100 ? '99.99' : p.toFixed(2)} %`;
