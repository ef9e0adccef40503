import type { HeraldFile } from '../config';
import { HeraldError } from '../common/errors';

export type SlackAction = 'declare' | 'resolve' | 'escalate';

/**
 * Whether a Slack user may declare, resolve or escalate. `slack.permissions.<action>` lists
 * `everyone`, Slack user IDs, or Herald group ids (a group's members are people, whose
 * `slack_user_id` is what Slack tells us). Pure; config is validated at start-up.
 */
export function isAllowed(file: HeraldFile, action: SlackAction, slackUserId: string): boolean {
  const entries = file.slack.permissions[action];
  if (entries.includes('everyone') || entries.includes(slackUserId)) return true;
  const person = file.people.find((p) => p.slackUserId === slackUserId);
  if (!person) return false;
  return file.groups.some((g) => entries.includes(g.id) && g.members.includes(person.id));
}

/** Throws Forbidden (shown to the user as an ephemeral refusal by the error boundary). */
export function requireAllowed(file: HeraldFile, action: SlackAction, slackUserId: string): void {
  if (isAllowed(file, action, slackUserId)) return;
  const groups = file.groups.filter((g) => file.slack.permissions[action].includes(g.id)).map((g) => g.name);
  const hint = groups.length ? ` Ask someone in ${groups.join(' or ')}.` : '';
  throw new HeraldError('Forbidden', `You are not allowed to ${action} incidents.${hint}`, { action });
}
