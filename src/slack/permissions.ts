import type { Kysely } from 'kysely';
import type { HeraldFile } from '../config';
import type { Clock } from '../common/clock';
import { HeraldError } from '../common/errors';
import type { Database } from '../db/schema';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { activeOverrides } from '../escalation/overrides';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { whoIsOnCall } from '../escalation/schedule';

/**
 * Everything a Slack user can do that changes something, each with its own list in
 * `slack.permissions`. `publish` covers anything that becomes public: a public message on an
 * update or resolve, a maintenance banner, publishing an incident (or making it non-private).
 */
export const SLACK_ACTIONS = [
  'declare',
  'update',
  'acknowledge',
  'resolve',
  'escalate',
  'override',
  'maintenance',
  'publish',
] as const;
export type SlackAction = (typeof SLACK_ACTIONS)[number];

/** What the person is acting on, for the `owners` and `oncall` entries. */
export interface PermissionScope {
  /** The services concerned: their owner groups are what `owners` means. */
  readonly services?: readonly string[];
  /** Person ids on call now: what `oncall` means. Absent: nobody. */
  readonly onCall?: ReadonlySet<string>;
}

/**
 * Whether a Slack user may do `action`. `slack.permissions.<action>` lists `everyone`, Slack
 * user IDs, Herald group ids (a group's members are people, whose `slack_user_id` is what Slack
 * tells us), `owners` (members of the owner groups of the services concerned) and `oncall`
 * (whoever is on call now). Pure; config is validated at start-up.
 */
export function isAllowed(
  file: HeraldFile,
  action: SlackAction,
  slackUserId: string,
  scope: PermissionScope = {},
): boolean {
  const entries = file.slack.permissions[action];
  if (entries.includes('everyone') || entries.includes(slackUserId)) return true;
  const person = file.people.find((p) => p.slackUserId === slackUserId);
  if (!person) return false;
  if (entries.includes('oncall') && scope.onCall?.has(person.id)) return true;
  const groups = new Set(entries.filter((e) => e !== 'owners'));
  if (entries.includes('owners')) for (const g of ownerGroups(file, scope.services)) groups.add(g);
  return file.groups.some((g) => groups.has(g.id) && g.members.includes(person.id));
}

/** Throws Forbidden (shown as an ephemeral refusal), naming the permission and who holds it. */
export function requireAllowed(
  file: HeraldFile,
  action: SlackAction,
  slackUserId: string,
  scope: PermissionScope = {},
): void {
  if (isAllowed(file, action, slackUserId, scope)) return;
  throw new HeraldError('Forbidden', refusal(file, action, scope), { action });
}

/** What a listener needs to check a permission that may name `oncall`. */
export interface PermissionDeps {
  readonly config: { readonly file: HeraldFile };
  readonly db: Kysely<Database>;
  readonly clock: Clock;
}

/**
 * {@link requireAllowed} with `oncall` resolved: who is on call now (rotations plus runtime
 * overrides) is read only when the action's list names `oncall` and nothing cheaper allowed it.
 */
export async function authorize(
  deps: PermissionDeps,
  action: SlackAction,
  slackUserId: string,
  scope: { services?: readonly string[] } = {},
): Promise<void> {
  const file = deps.config.file;
  if (isAllowed(file, action, slackUserId, scope)) return;
  if (!file.slack.permissions[action].includes('oncall')) throw forbidden(file, action, scope);
  const onCall = await onCallPeople(deps);
  requireAllowed(file, action, slackUserId, { ...scope, onCall });
}

/** Like {@link authorize}, answering instead of throwing (for a modal field error). */
export async function allowed(
  deps: PermissionDeps,
  action: SlackAction,
  slackUserId: string,
  scope: { services?: readonly string[] } = {},
): Promise<boolean> {
  try {
    await authorize(deps, action, slackUserId, scope);
    return true;
  } catch (err) {
    if (err instanceof HeraldError && err.code === 'Forbidden') return false;
    throw err;
  }
}

/** The ephemeral refusal: what the person tried, the permission it needs, and who holds it. */
export function refusal(file: HeraldFile, action: SlackAction, scope: PermissionScope = {}): string {
  return `You are not allowed to ${DOING[action]}: that needs the “${action}” permission (slack.permissions.${action}: ${holders(file, action, scope)}).`;
}

/** A modal field's refusal (plain text, short: Slack shows it under the field). */
export function fieldRefusal(file: HeraldFile, action: SlackAction, scope: PermissionScope = {}): string {
  return `Needs the “${action}” permission: ${holders(file, action, scope)}`.slice(0, 150);
}

/** Who holds a permission, in words. */
function holders(file: HeraldFile, action: SlackAction, scope: PermissionScope): string {
  return file.slack.permissions[action]
    .map((e) => {
      if (e === 'everyone') return 'everyone';
      if (e === 'oncall') return 'whoever is on call now';
      if (/^[UW][A-Z0-9]+$/.test(e)) return `<@${e}>`;
      if (e !== 'owners') return groupName(file, e);
      const owners = ownerGroups(file, scope.services).map((id) => groupName(file, id));
      return `the owners of the services concerned${owners.length ? ` (${owners.join(', ')})` : ''}`;
    })
    .join(', ');
}

const DOING: Record<SlackAction, string> = {
  declare: 'declare incidents',
  update: 'update incidents',
  acknowledge: 'acknowledge incidents',
  resolve: 'resolve incidents',
  escalate: 'escalate incidents',
  override: 'change who is on call',
  maintenance: 'schedule maintenance on the status page',
  publish: 'make anything public (status page, subscriber mail)',
};

const forbidden = (file: HeraldFile, action: SlackAction, scope: PermissionScope) =>
  new HeraldError('Forbidden', refusal(file, action, scope), { action });

const groupName = (file: HeraldFile, id: string): string => file.groups.find((g) => g.id === id)?.name ?? id;

/** Owner group ids of the given services (each once, in config order). */
function ownerGroups(file: HeraldFile, services: readonly string[] = []): string[] {
  const owners = file.services.filter((s) => services.includes(s.id) && s.owner).map((s) => s.owner ?? '');
  return [...new Set(owners)];
}

/** Person ids on call now in any schedule, runtime overrides included. */
async function onCallPeople(deps: PermissionDeps): Promise<ReadonlySet<string>> {
  const now = deps.clock.now();
  const overrides = await activeOverrides(deps.db, now);
  return new Set(deps.config.file.schedules.flatMap((s) => whoIsOnCall(s, now, overrides[s.id] ?? [])));
}

/** Services whose escalation policy pages the schedule: whose owners may cover it (`override`). */
export function servicesOfSchedule(file: HeraldFile, scheduleId: string): string[] {
  const policies = new Set(
    file.escalationPolicies
      .filter((p) =>
        p.levels.some((l) => l.targets.some((t) => 'schedule' in t && t.schedule === scheduleId)),
      )
      .map((p) => p.id),
  );
  return file.services.filter((s) => s.escalationPolicy && policies.has(s.escalationPolicy)).map((s) => s.id);
}

/** Services shown as the given status page components (`maintenance`). */
export function servicesOfComponents(file: HeraldFile, components: readonly string[]): string[] {
  return file.services.filter((s) => s.component && components.includes(s.component)).map((s) => s.id);
}
