import type { DateTime } from 'luxon';
import type { UnboundSummary } from './binding.repository';
import { clip, oneLine, plural } from './text';

/**
 * The words alerts put on incidents (titles, descriptions, timeline messages). Plain text: the
 * Slack, email and SMS renderers escape it. Pure, so the wording is tested with literal data.
 */

const MAX_DESCRIPTION = 3000;

/**
 * The public title of an incident an alert opened: the affected services' configured names,
 * never anything from the alert (its title and labels name hosts, IPs and clusters).
 */
export function publicTitle(serviceNames: readonly string[]): string {
  return serviceNames.length ? `Service disruption: ${serviceNames.join(', ')}` : 'Investigating an issue';
}

export function stormTitle(service: string): string {
  return `Alert storm: ${service || 'alerts with no service'}`;
}

/** The description of an incident opened for a group's alerts. */
export function declareDescription(
  s: UnboundSummary,
  integrationId: string,
  storm: { service: string; threshold: number } | null,
): string {
  const lines: string[] = [];
  if (storm) {
    lines.push(
      `More than ${plural(storm.threshold, 'new alert')} a minute for ${storm.service || 'alerts with no service'}. ` +
        'New alerts for it are collected in this incident, with a running count, until the storm passes.',
      '',
    );
  }
  lines.push(`${plural(s.count, 'alert')} firing (${integrationId}):`);
  for (const a of s.sample) lines.push(`• ${a.summary}${a.url ? ` (${a.url})` : ''}`);
  if (s.count > s.sample.length) lines.push(`… and ${plural(s.count - s.sample.length, 'more alert')}`);
  const only = s.count === 1 ? s.sample[0] : undefined;
  if (only) {
    const labels = Object.entries(only.labels).slice(0, 20);
    if (labels.length) lines.push('', ...labels.map(([k, v]) => `${k}: ${oneLine(v, 200)}`));
  }
  return clip(lines.join('\n'), MAX_DESCRIPTION);
}

function sample(summaries: readonly string[], shown: number, count: number): string {
  const list = summaries.slice(0, shown).map((x) => oneLine(x, 120));
  if (list.length === 0) return '';
  return `: ${list.join('; ')}${count > list.length ? '; …' : ''}`;
}

/** The one timeline event for alerts that joined an open incident. */
export function moreAlertsMessage(
  count: number,
  firing: number,
  total: number,
  latest: readonly string[],
): string {
  const state = `${firing.toLocaleString('en-US')} firing, ${total.toLocaleString('en-US')} in total`;
  return clip(`${plural(count, 'more alert')} (${state})${sample(latest, 3, count)}`, 1000);
}

export function reopenMessage(
  count: number,
  resolvedAt: DateTime | null,
  now: DateTime,
  summaries: readonly string[],
): string {
  const minutes = resolvedAt ? Math.max(0, Math.round(now.diff(resolvedAt, 'minutes').minutes)) : null;
  const when =
    minutes === null ? 'soon' : minutes === 0 ? 'less than a minute' : `${plural(minutes, 'minute')}`;
  return clip(
    `${plural(count, 'alert')} firing again ${when} after the incident was resolved (flapping)${sample(summaries, 3, count)}`,
    1000,
  );
}

export function resolvedSummary(total: number, afterFlapping: boolean, flapMinutes: number): string {
  const all = total === 1 ? 'The alert' : `All ${plural(total, 'alert')}`;
  return afterFlapping
    ? `${all} resolved and stayed resolved for ${plural(flapMinutes, 'minute')} after flapping`
    : `${all} resolved`;
}

export function clearedMessage(total: number): string {
  const all = total === 1 ? 'The alert has' : `All ${plural(total, 'alert')} have`;
  return `${all} cleared. Auto-resolve is off for this integration, so the incident stays open for a person to resolve.`;
}
