import type { Incident, TimelineEvent } from '../../incidents/incident';
import { actorText, mrkdwn } from '../mrkdwn';
import { SEVERITY_STYLE, STATUS_LABEL } from './format';

/** Fields whose changes are worth a word in the thread (others show in the edited message). */
const FIELD_LABEL: Readonly<Record<string, string>> = {
  status: 'status',
  severity: 'severity',
  title: 'title',
  impact: 'impact',
  services: 'services',
  commander: 'commander',
};

/**
 * The short line posted in the incident message's thread for one timeline event, or null for
 * events that need none (the declaration is the message itself). mrkdwn, everything typed
 * escaped. Pure.
 */
export function threadLine(incident: Incident, event: TimelineEvent): string | null {
  const who = actorText(event.actor);
  const note = event.message ? `: ${mrkdwn(event.message, 2500)}` : '';
  switch (event.kind) {
    case 'declared':
      return null;
    case 'acknowledged':
      return `:eyes: Acknowledged by ${who}`;
    case 'escalated':
      return `:rotating_light: Escalated by ${who}${note}`;
    case 'reopened':
      return `:leftwards_arrow_with_hook: Reopened by ${who}${note}`;
    case 'resolved': {
      const cause = incident.rootCause ? `\n*Root cause:* ${mrkdwn(incident.rootCause, 1500)}` : '';
      return `:white_check_mark: Resolved by ${who}${note}${cause}`;
    }
    case 'status_changed':
    case 'updated': {
      const changes = event.changes
        .filter((c) => FIELD_LABEL[c.field] !== undefined)
        .map((c) => `${FIELD_LABEL[c.field]} ${describe(c.field, c.from)} → ${describe(c.field, c.to)}`);
      const what = changes.length ? ` (${changes.join('; ')})` : '';
      return `:memo: Update from ${who}${what}${note}`;
    }
  }
}

function describe(field: string, value: string | null): string {
  if (value === null || value === '') return '_none_';
  if (field === 'status' && value in STATUS_LABEL) return STATUS_LABEL[value as keyof typeof STATUS_LABEL];
  if (field === 'severity' && value in SEVERITY_STYLE) {
    return SEVERITY_STYLE[value as keyof typeof SEVERITY_STYLE].label;
  }
  if (field === 'commander') return actorText(value);
  return `“${mrkdwn(value, 200)}”`;
}
