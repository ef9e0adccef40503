import type { RespondArguments } from '@slack/bolt';
import type { Incident } from '../../../incidents/incident';
import type { AckResult } from '../../../incidents/incident.service';
import { actorText, dateToken } from '../../mrkdwn';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { activeOverrides } from '../../../escalation/overrides';
import { onCallNow } from '../../oncall';
import type { KnownBlock } from '../../views/blocks';
import { serviceNames } from '../../views/format';
import { incidentLine, listBlocks, onCallLines, statusBlocks } from '../../views/summary';
import type { ListenerDeps } from '../deps';

/** Ephemeral answers shared by the command and the buttons. Pure renderings plus reads. */
const ephemeral = (text: string, blocks?: KnownBlock[]): RespondArguments =>
  ({
    response_type: 'ephemeral',
    replace_original: false,
    text,
    ...(blocks ? { blocks } : {}),
  }) as RespondArguments;

export function acknowledgeReply({ incident, changed }: AckResult): RespondArguments {
  if (changed) return ephemeral(`:eyes: You acknowledged ${incident.ref}. Escalation is stopped.`);
  const by = incident.acknowledgedBy ? actorText(incident.acknowledgedBy) : 'someone';
  const at = incident.acknowledgedAt ? ` ${dateToken(incident.acknowledgedAt)}` : '';
  return ephemeral(`${incident.ref} was already acknowledged by ${by}${at}.`);
}

/**
 * Why an incident cannot be published from Slack now, or null when it can: a private incident
 * is made non-private (Update) first, so that publishing one is never a way round `private`.
 */
export function publishRefusal(incident: Incident): RespondArguments | null {
  if (!incident.private) return null;
  return ephemeral(
    `:lock: ${incident.ref} is private, so it stays off the status page. Untick “Private” in its update form first.`,
  );
}

export function escalateReply(incident: Incident): RespondArguments {
  return ephemeral(`:rotating_light: Escalated ${incident.ref}: the next escalation level is being paged.`);
}

export function statusReply(deps: ListenerDeps, incident: Incident): RespondArguments {
  const blocks = statusBlocks(incident, serviceNames(deps.config, incident.services), deps.clock.now());
  return ephemeral(`${incident.ref}: ${incident.status}`, blocks);
}

export async function listReply(deps: ListenerDeps): Promise<RespondArguments> {
  const now = deps.clock.now();
  const open = await deps.incidents.list({ status: 'open', limit: 30 });
  const lines = open.map((i) => incidentLine(i, serviceNames(deps.config, i.services), now));
  return ephemeral(`${open.length} open incident${open.length === 1 ? '' : 's'}`, listBlocks(lines));
}

export async function onCallReply(deps: ListenerDeps): Promise<RespondArguments> {
  const now = deps.clock.now();
  const lines = onCallLines(onCallNow(deps.config.file, now, await activeOverrides(deps.db, now)));
  return ephemeral(`*On call now*\n${lines.join('\n')}`);
}
