import type { DateTime } from 'luxon';
import type { Incident } from '../../incidents/incident';
import { ACTIONS } from '../ids';
import { actorText, dateToken, mrkdwn } from '../mrkdwn';
import { context, fields, header, section, type KnownBlock, type MessageAttachment } from './blocks';
import { humanDuration, RESOLVED_COLOR, SEVERITY_STYLE, STATUS_LABEL } from './format';

/** What chat.postMessage / chat.update receive for the incident message (channel and ts aside). */
export interface IncidentMessage {
  /** Notification and fallback text (mrkdwn, escaped). */
  readonly text: string;
  /** One attachment: its colour bar shows the severity; its blocks are the message body. */
  readonly attachments: MessageAttachment[];
}

/**
 * The live incident message in the incidents channel: severity (colour and emoji), status,
 * services, commander, start and duration, impact, acknowledgement, and the four buttons.
 * Re-rendered from the incident on every change and written with chat.update, so it always shows
 * the current state. `now` fixes the duration shown (it is as of the last change). Pure.
 */
export function incidentMessage(
  incident: Incident,
  opts: { now: DateTime; serviceNames: readonly string[] },
): IncidentMessage {
  const style = SEVERITY_STYLE[incident.severity];
  const resolved = incident.status === 'resolved';
  const emoji = resolved ? ':white_check_mark:' : style.emoji;
  const end = incident.resolvedAt ?? opts.now;
  const duration = `${resolved ? 'lasted' : 'open for'} ${humanDuration(incident.startedAt, end)}`;
  const services = opts.serviceNames.length
    ? opts.serviceNames.map((s) => mrkdwn(s, 80)).join(', ')
    : '_none_';
  const ack = incident.acknowledgedBy
    ? `:eyes: ${actorText(incident.acknowledgedBy)}${
        incident.acknowledgedAt ? ` ${dateToken(incident.acknowledgedAt, '{time}')}` : ''
      }`
    : resolved
      ? '_not acknowledged_'
      : ':warning: *Not acknowledged*';

  const blocks: KnownBlock[] = [
    header(`${incident.ref} ${incident.title}`),
    fields([
      `*Severity*\n${style.emoji} ${style.label}`,
      `*Status*\n${emoji} ${STATUS_LABEL[incident.status]}`,
      `*Services*\n${services}`,
      `*Commander*\n${incident.commander ? actorText(incident.commander) : '_unassigned_'}`,
      `*Started*\n${dateToken(incident.startedAt)} (${duration})`,
      `*Acknowledged*\n${ack}`,
    ]),
  ];
  if (incident.impact.trim()) blocks.push(section(`*Impact*\n${mrkdwn(incident.impact, 2500)}`));
  if (incident.description.trim() && !resolved) {
    blocks.push(section(`*Description*\n${mrkdwn(incident.description, 2500)}`));
  }
  if (resolved && incident.rootCause) {
    blocks.push(section(`*Root cause*\n${mrkdwn(incident.rootCause, 2500)}`));
  }
  blocks.push(context(visibility(incident)));
  if (!resolved) blocks.push(buttons(incident.ref, { publish: !incident.published && !incident.private }));
  blocks.push(context(`Herald · ${incident.ref} · updates in the thread`));

  const text = `${emoji} ${incident.ref} [${style.label}] ${mrkdwn(incident.title, 200)}: ${STATUS_LABEL[incident.status]}`;
  return {
    text,
    attachments: [{ color: resolved ? RESOLVED_COLOR : style.color, fallback: text, blocks }],
  };
}

/** Where the incident shows publicly: responders see at once whether customers see it. */
function visibility(incident: Incident): string {
  if (incident.private) return ':lock: Private: never on the status page';
  if (!incident.published) return ':see_no_evil: Not on the status page (Publish puts it there)';
  return `:globe_with_meridians: On the status page as “${mrkdwn(incident.publicTitle, 200)}”`;
}

/**
 * Acknowledge, Update, Resolve, Escalate, and Publish while the incident is not public (and not
 * private); each button's value is the incident ref.
 */
export function buttons(ref: string, opts: { publish: boolean } = { publish: false }): KnownBlock {
  return {
    type: 'actions',
    block_id: 'incident_actions',
    elements: [
      {
        type: 'button',
        action_id: ACTIONS.acknowledge,
        text: label('Acknowledge'),
        value: ref,
        style: 'primary',
      },
      { type: 'button', action_id: ACTIONS.update, text: label('Update'), value: ref },
      { type: 'button', action_id: ACTIONS.resolve, text: label('Resolve'), value: ref },
      {
        type: 'button',
        action_id: ACTIONS.escalate,
        text: label('Escalate'),
        value: ref,
        style: 'danger',
        confirm: {
          title: label('Escalate now?'),
          text: { type: 'mrkdwn', text: `Page the next escalation level for ${ref} now.` },
          confirm: label('Escalate'),
          deny: label('Cancel'),
        },
      },
      ...(opts.publish
        ? [{ type: 'button' as const, action_id: ACTIONS.publish, text: label('Publish'), value: ref }]
        : []),
    ],
  };
}

const label = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });
