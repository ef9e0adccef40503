import type { DateTime } from 'luxon';
import type { HeraldConfig } from '../../config';
import type { Severity, Status } from '../../incidents/incident';

/** How each severity looks in Slack: the attachment bar colour and a leading emoji. */
export const SEVERITY_STYLE: Readonly<Record<Severity, { emoji: string; color: string; label: string }>> = {
  critical: { emoji: ':red_circle:', color: '#E01E5A', label: 'Critical' },
  high: { emoji: ':large_orange_circle:', color: '#F2711C', label: 'High' },
  medium: { emoji: ':large_yellow_circle:', color: '#ECB22E', label: 'Medium' },
  low: { emoji: ':large_blue_circle:', color: '#36C5F0', label: 'Low' },
  info: { emoji: ':white_circle:', color: '#9E9EA6', label: 'Info' },
};

/** Resolved incidents turn green whatever their severity. */
export const RESOLVED_COLOR = '#2EB67D';

export const STATUS_LABEL: Readonly<Record<Status, string>> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

/** `1 h 5 min`, `12 min`, `less than a minute`: durations for people, not machines. */
export function humanDuration(from: DateTime, to: DateTime): string {
  const totalMinutes = Math.max(0, Math.floor(to.diff(from, 'minutes').minutes));
  if (totalMinutes < 1) return 'less than a minute';
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  const parts = [days ? `${days} d` : '', hours ? `${hours} h` : '', minutes ? `${minutes} min` : ''];
  return parts.filter(Boolean).join(' ');
}

/** Same as {@link humanDuration} for a number of seconds (MTTA/MTTR); `null` reads as "n/a". */
export function humanSeconds(seconds: number | null): string {
  if (seconds === null) return 'n/a';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** Service ids → display names from config (unknown ids are shown as they are). */
export function serviceNames(config: HeraldConfig, ids: readonly string[]): string[] {
  const byId = new Map(config.file.services.map((s) => [s.id, s.name]));
  return ids.map((id) => byId.get(id) ?? id);
}
