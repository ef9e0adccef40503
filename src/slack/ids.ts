/**
 * Every Slack identifier Herald owns, in one place: the slash command, button action_ids, modal
 * callback_ids, and the block_id/action_id pairs of modal inputs. Views render them, listeners
 * match on them, and the manifest test checks them against `manifest.yml`, so a rename cannot
 * leave a button that nothing answers.
 */

/** The slash command (also in manifest.yml `features.slash_commands`). */
export const COMMAND = '/incident';

/** The path Slack posts commands, interactivity and events to (manifest request URLs). */
export const EVENTS_PATH = '/slack/events';

/** Buttons on the incident message; each carries the incident ref as its `value`. */
export const ACTIONS = {
  acknowledge: 'incident.acknowledge',
  update: 'incident.update',
  resolve: 'incident.resolve',
  escalate: 'incident.escalate',
  publish: 'incident.publish',
} as const;

/** Modals (views.open) and what their submissions are matched on. */
export const CALLBACKS = {
  declare: 'incident.declare',
  update: 'incident.update.submit',
  resolve: 'incident.resolve.submit',
  publish: 'incident.publish.submit',
} as const;

/** Events API events Herald subscribes to (manifest `event_subscriptions.bot_events`). */
export const EVENTS = {
  appHomeOpened: 'app_home_opened',
} as const;

/**
 * Modal inputs: `block_id` is what `response_action: 'errors'` names, `action_id` is where the
 * value sits in `view.state.values[block_id][action_id]`. One action id per block keeps parsing
 * trivial, so the block id doubles as the field name.
 */
export const INPUTS = {
  title: 'title',
  severity: 'severity',
  services: 'services',
  description: 'description',
  impact: 'impact',
  status: 'status',
  message: 'message',
  publicMessage: 'public_message',
  summary: 'summary',
  rootCause: 'root_cause',
  publicTitle: 'public_title',
  /** Checkboxes: one option, `private`, checked when the incident is kept off public surfaces. */
  private: 'private',
} as const;
export type InputId = (typeof INPUTS)[keyof typeof INPUTS];

/** The action_id inside every input block (its block_id already says which field it is). */
export const INPUT_ACTION = 'value';
