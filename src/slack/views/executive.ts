import type { DateTime } from 'luxon';
import type { Incident, Severity, Status, TimelineEvent } from '../../incidents/incident';
import { dateToken, link, mrkdwn } from '../mrkdwn';
import { context, fields, section, type KnownBlock } from './blocks';
import { humanDuration } from './format';

/**
 * Business words for severity and status: executives read what it means for the business, not
 * the codes responders use ("critical", "SEV1", "monitoring").
 */
export const BUSINESS_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: 'Major disruption',
  high: 'Significant disruption',
  medium: 'Partial disruption',
  low: 'Minor issue',
  info: 'Notice',
};

export const BUSINESS_STATUS: Readonly<Record<Status, string>> = {
  investigating: 'We are investigating the cause.',
  identified: 'The cause is known and a fix is under way.',
  monitoring: 'A fix is in place; we are watching to confirm it holds.',
  resolved: 'Resolved: service is back to normal.',
};

export interface ExecutiveInput {
  incident: Incident;
  event: TimelineEvent;
  orgName: string;
  /** HERALD_PUBLIC_URL: the status page executives can share. */
  publicUrl: string;
  nextUpdateDue: DateTime | null;
  /** Display names of the affected services (from config). */
  serviceNames: string[];
}

/** The affected services in a sentence: "Checkout and Public API". */
export function affected(names: readonly string[]): string {
  const safe = names.map((n) => mrkdwn(n, 60));
  if (safe.length === 0) return 'Some of our services';
  if (safe.length === 1) return safe[0] ?? '';
  return `${safe.slice(0, -1).join(', ')} and ${safe[safe.length - 1]}`;
}

/**
 * The DM an executive gets when an incident is declared, changes status or resolves: what is
 * affected, since when, customer impact, current status, when the next update is due. Built only
 * from fields written for outsiders (services, impact, the public message); the title,
 * description, internal update messages and root cause are left out, as they carry internal
 * notes and jargon (hostnames, error codes). Everything typed is escaped. Pure.
 */
export function executiveSummary(input: ExecutiveInput): { text: string; blocks: KnownBlock[] } {
  const { incident, event } = input;
  const resolved = incident.status === 'resolved';
  const what = affected(input.serviceNames);
  const severity = BUSINESS_SEVERITY[incident.severity];
  const lead =
    event.kind === 'declared'
      ? `:rotating_light: *${severity}:* ${what} ${input.serviceNames.length > 1 ? 'are' : 'is'} affected.`
      : resolved
        ? `:white_check_mark: *Resolved:* ${what} ${input.serviceNames.length > 1 ? 'are' : 'is'} back to normal.`
        : `:information_source: *Update (${severity.toLowerCase()}):* ${what}.`;
  const until = incident.resolvedAt ?? event.at;
  const since = `${dateToken(incident.startedAt)} (${resolved ? 'lasted' : 'so far'} ${humanDuration(incident.startedAt, until)})`;
  const impact = incident.impact.trim() ? mrkdwn(incident.impact, 600) : 'Being assessed.';
  const status = event.publicMessage?.trim()
    ? `${BUSINESS_STATUS[incident.status]}\n>${mrkdwn(event.publicMessage, 600).replace(/\n/g, '\n>')}`
    : BUSINESS_STATUS[incident.status];
  const next = input.nextUpdateDue
    ? dateToken(input.nextUpdateDue, '{time}')
    : resolved
      ? 'No further updates planned.'
      : 'As soon as we know more.';

  const blocks: KnownBlock[] = [
    section(lead),
    fields([
      `*What is affected*\n${what}`,
      `*Since*\n${since}`,
      `*Customer impact*\n${impact}`,
      `*Current status*\n${status}`,
      `*Next update*\n${next}`,
    ]),
    context(
      `${mrkdwn(input.orgName, 80)} · reference ${incident.ref} · ${link(input.publicUrl, 'status page')}`,
    ),
  ];
  const text = `${mrkdwn(input.orgName, 80)}: ${resolved ? 'resolved' : severity.toLowerCase()}, ${what}. ${BUSINESS_STATUS[incident.status]}`;
  return { text, blocks };
}
