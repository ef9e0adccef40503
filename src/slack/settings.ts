import type { EnvConfig } from '../config';

/** How Herald talks to Slack, decided once from the environment. */
export type SlackSettings =
  | {
      readonly mode: 'http';
      readonly botToken: string;
      readonly signingSecret: string;
      readonly apiUrl: string;
    }
  | { readonly mode: 'socket'; readonly botToken: string; readonly appToken: string; readonly apiUrl: string }
  | { readonly mode: 'off'; readonly reason: string };

/**
 * Slack is on with a bot token plus either a signing secret (HTTP, `POST /slack/events`) or an
 * app-level token (Socket Mode, which wins when both are set). Otherwise it is off, and `reason`
 * is the one log line that says which variables to set. Pure.
 */
export function slackSettings(env: EnvConfig['slack']): SlackSettings {
  const { botToken, signingSecret, appToken, apiUrl } = env;
  if (botToken && appToken) return { mode: 'socket', botToken, appToken, apiUrl };
  if (botToken && signingSecret) return { mode: 'http', botToken, signingSecret, apiUrl };
  const both =
    'SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP), or SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode)';
  if (botToken) {
    return {
      mode: 'off',
      reason: `Slack off: SLACK_BOT_TOKEN is set, but neither SLACK_SIGNING_SECRET (HTTP) nor SLACK_APP_TOKEN (Socket Mode) is`,
    };
  }
  if (signingSecret || appToken) {
    const which = signingSecret ? 'SLACK_SIGNING_SECRET' : 'SLACK_APP_TOKEN';
    return { mode: 'off', reason: `Slack off: ${which} is set but SLACK_BOT_TOKEN is not; set ${both}` };
  }
  return { mode: 'off', reason: `Slack off: set ${both} to turn it on` };
}
