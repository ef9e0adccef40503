import type { DateTime } from 'luxon';
import type { Incident } from '../../incidents/incident';
import { actorText, dateToken, mention, mrkdwn } from '../mrkdwn';
import { context, header, section, type HomeView, type KnownBlock } from './blocks';
import { humanDuration, SEVERITY_STYLE, STATUS_LABEL } from './format';

/** Someone on call, as config knows them. */
export interface OnCallPerson {
  readonly name: string;
  readonly slackUserId?: string;
}
export interface OnCallEntry {
  readonly schedule: string;
  readonly people: readonly OnCallPerson[];
}

/** One incident on one line (mrkdwn): for `/incident list`, status and the App Home. Pure. */
export function incidentLine(incident: Incident, names: readonly string[], now: DateTime): string {
  const style = SEVERITY_STYLE[incident.severity];
  const services = names.length ? ` · ${names.map((n) => mrkdwn(n, 60)).join(', ')}` : '';
  const ack = incident.acknowledgedBy
    ? `acked by ${actorText(incident.acknowledgedBy)}`
    : '*not acknowledged*';
  return `${style.emoji} *${incident.ref}* ${mrkdwn(incident.title, 150)} · ${STATUS_LABEL[incident.status]}${services} · open ${humanDuration(incident.startedAt, now)} · ${ack}`;
}

/** `/incident status INC-n`: the incident in a few lines (ephemeral). */
export function statusBlocks(incident: Incident, names: readonly string[], now: DateTime): KnownBlock[] {
  const style = SEVERITY_STYLE[incident.severity];
  const lines = [
    `*Severity:* ${style.emoji} ${style.label}   *Status:* ${STATUS_LABEL[incident.status]}`,
    `*Services:* ${names.length ? names.map((n) => mrkdwn(n, 60)).join(', ') : '_none_'}`,
    `*Commander:* ${incident.commander ? actorText(incident.commander) : '_unassigned_'}`,
    `*Started:* ${dateToken(incident.startedAt)} (${humanDuration(incident.startedAt, incident.resolvedAt ?? now)})`,
    `*Acknowledged:* ${incident.acknowledgedBy ? actorText(incident.acknowledgedBy) : 'no'}`,
  ];
  if (incident.impact) lines.push(`*Impact:* ${mrkdwn(incident.impact, 1000)}`);
  if (incident.resolvedAt) lines.push(`*Resolved:* ${dateToken(incident.resolvedAt)}`);
  return [header(`${incident.ref} ${incident.title}`), section(lines.join('\n'))];
}

/** `/incident list`: open incidents, newest first (ephemeral). */
export function listBlocks(lines: readonly string[]): KnownBlock[] {
  if (lines.length === 0) return [section(':white_check_mark: No open incidents.')];
  return [section(`*Open incidents (${lines.length})*`), ...lines.map((l) => section(l))];
}

export function onCallLines(entries: readonly OnCallEntry[]): string[] {
  if (entries.length === 0) return ['_No on-call schedules are configured._'];
  return entries.map((e) => {
    const people = e.people.length
      ? e.people
          .map((p) =>
            p.slackUserId ? `${mention(p.slackUserId)} (${mrkdwn(p.name, 80)})` : mrkdwn(p.name, 80),
          )
          .join(', ')
      : '_nobody_';
    return `*${mrkdwn(e.schedule, 80)}:* ${people}`;
  });
}

/** The App Home tab: open incidents, the viewer's acknowledgements, who is on call now. */
export function homeView(input: {
  open: readonly string[];
  mine: readonly string[];
  onCall: readonly OnCallEntry[];
  now: DateTime;
}): HomeView {
  const list = (lines: readonly string[], empty: string): KnownBlock[] =>
    lines.length ? lines.slice(0, 20).map((l) => section(l)) : [section(empty)];
  return {
    type: 'home',
    blocks: [
      header('Herald'),
      section(`*Open incidents (${input.open.length})*`),
      ...list(input.open, ':white_check_mark: No open incidents.'),
      { type: 'divider' },
      section('*Your acknowledgements*'),
      ...list(input.mine, '_You have not acknowledged any open incident._'),
      { type: 'divider' },
      section('*On call now*'),
      section(onCallLines(input.onCall).join('\n')),
      context(`Updated ${dateToken(input.now)} · \`/incident help\` for commands`),
    ],
  };
}
