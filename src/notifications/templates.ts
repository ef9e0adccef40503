import type { DateTime } from 'luxon';
import type { Audience } from '../config';
import type { Incident, Status, TimelineEvent } from '../incidents/incident';
import type { MessageContent } from './render/content';

/**
 * Audience templates: the same incident event in each audience's own words, as neutral
 * {@link MessageContent} that the email, SMS and Slack renderers format (and escape).
 * - technical: everything (severity, services, internal notes, field changes, who did what);
 * - business and executive: what is affected, customer impact and status in plain words; never
 *   internal notes or jargon;
 * - customer: the public message only (what a status page would say), never internal notes.
 */
export interface TemplateContext {
  readonly orgName: string;
  readonly publicUrl: string;
  readonly serviceNames: ReadonlyMap<string, string>;
  /** Signed acknowledge link for paging messages, when the escalation engine provides one. */
  readonly ackUrl?: string;
}

const PLAIN_SEVERITY: Record<Incident['severity'], string> = {
  critical: 'a major outage',
  high: 'a significant disruption',
  medium: 'a partial disruption',
  low: 'a minor issue',
  info: 'an informational notice',
};

const PLAIN_STATUS: Record<Status, string> = {
  investigating: 'We are investigating the cause.',
  identified: 'The cause has been identified and a fix is under way.',
  monitoring: 'A fix is in place and we are monitoring the results.',
  resolved: 'The issue is resolved.',
};

/** Who did it, readable outside Slack: `slack:U123` → `U123`, `api:alice` → `alice`. */
export function actorName(actor: string): string {
  const i = actor.indexOf(':');
  return i >= 0 ? actor.slice(i + 1) : actor;
}

function verb(event: TimelineEvent, incident: Incident): string {
  switch (event.kind) {
    case 'declared':
      return 'declared';
    case 'status_changed':
      // The status this event set, not the incident's current one: a message that goes out late
      // (retried after an outage, released after quiet hours) must not report a later change.
      return `is now ${event.changes.find((c) => c.field === 'status')?.to ?? incident.status}`;
    case 'acknowledged':
      return `acknowledged by ${actorName(event.actor)}`;
    case 'escalated':
      return 'escalated';
    case 'resolved':
      return 'resolved';
    case 'reopened':
      return 'reopened';
    case 'updated':
      return 'updated';
  }
}

function duration(from: DateTime, to: DateTime): string {
  const minutes = Math.max(0, Math.round(to.diff(from, 'minutes').minutes));
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h} hour${h === 1 ? '' : 's'}${m ? ` ${m} minute${m === 1 ? '' : 's'}` : ''}`;
}

export function buildContent(
  incident: Incident,
  event: TimelineEvent,
  audience: Audience,
  ctx: TemplateContext,
): MessageContent {
  const services = incident.services.map((s) => ctx.serviceNames.get(s) ?? s);
  const affected = services.length ? services.join(', ') : 'some of our services';
  const links = ctx.ackUrl ? [{ label: 'Acknowledge', url: ctx.ackUrl }] : [];
  const sev = incident.severity;

  if (audience === 'technical') {
    const paragraphs = [event.message, event.kind === 'declared' ? incident.description : null].filter(
      (p): p is string => Boolean(p),
    );
    const changes = event.changes.map((c) => ({
      label: `Changed ${c.field}`,
      value: `${c.from ?? '-'} → ${c.to ?? '-'}`,
    }));
    return {
      subject: `[${sev.toUpperCase()}] ${incident.ref} ${verb(event, incident)}: ${incident.title}`,
      headline: `${incident.ref} ${verb(event, incident)}: ${incident.title}`,
      paragraphs,
      fields: [
        { label: 'Severity', value: sev },
        { label: 'Status', value: incident.status },
        { label: 'Services', value: services.join(', ') || '-' },
        ...(incident.impact ? [{ label: 'Impact', value: incident.impact }] : []),
        ...(incident.commander ? [{ label: 'Commander', value: actorName(incident.commander) }] : []),
        {
          label: 'Acknowledged',
          value: incident.acknowledgedBy ? `by ${actorName(incident.acknowledgedBy)}` : 'not yet',
        },
        { label: 'Started', value: incident.startedAt.toUTC().toFormat("yyyy-LL-dd HH:mm 'UTC'") },
        ...changes,
      ],
      links: [...links, { label: 'Incident', url: `${ctx.publicUrl}/internal#${incident.ref}` }],
      severity: sev,
      footer: 'Sent by Herald',
    };
  }

  const since = incident.startedAt.toUTC().toFormat("HH:mm 'UTC' 'on' d LLL");
  const resolvedFor = incident.resolvedAt ? duration(incident.startedAt, incident.resolvedAt) : null;
  const status = resolvedFor ? `Resolved after ${resolvedFor}.` : PLAIN_STATUS[incident.status];

  if (audience === 'customer') {
    return {
      // What the status page would say: the public title, never the internal one.
      subject: `${ctx.orgName}: ${incident.publicTitle}${incident.status === 'resolved' ? ' (resolved)' : ''}`,
      headline: incident.publicTitle,
      paragraphs: [event.publicMessage ?? status],
      fields: [],
      links: [{ label: 'Status page', url: `${ctx.publicUrl}/` }],
      severity: sev,
    };
  }

  // business and executive
  return {
    subject: `${ctx.orgName}: ${affected} ${incident.status === 'resolved' ? 'restored' : `- ${PLAIN_SEVERITY[sev]}`}`,
    headline: `${affected}: ${incident.title}`,
    paragraphs: [
      `${affected} ${incident.status === 'resolved' ? 'had' : 'has'} ${PLAIN_SEVERITY[sev]} since ${since}.`,
      ...(event.publicMessage ? [event.publicMessage] : []),
    ],
    fields: [
      { label: 'Customer impact', value: incident.impact || 'Being assessed' },
      { label: 'Status', value: status },
    ],
    links: [{ label: 'Status page', url: `${ctx.publicUrl}/` }],
    severity: sev,
  };
}
