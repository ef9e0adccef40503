import type { DateTime } from 'luxon';

/**
 * The one escaper for Slack mrkdwn. Everything a person typed (titles, descriptions, impact,
 * update messages, names from config) goes through {@link mrkdwn} before it reaches a Slack
 * `text` field, so typed text can never become markup: no `<!channel>` or `<!here>` pings, no
 * `<@U…>` mentions, no `<https://evil|harmless label>` links. Slack's own rule is to escape only
 * `&`, `<` and `>` (https://docs.slack.dev/messaging/formatting-message-text#escaping); every
 * control sequence starts with `<`, so that is sufficient. Bold/italic markers (`*`, `_`, `~`)
 * are left as typed: they change emphasis, not meaning, and Slack offers no escape for them.
 *
 * Herald's own markup (mentions of known user IDs, links to its own URLs, date tokens) is built
 * only by the helpers below, which validate what they wrap. The notifications engine imports
 * this module too.
 */
export function mrkdwn(text: string, maxLength?: number): string {
  const clipped = maxLength === undefined ? text : truncate(text, maxLength);
  return clipped.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/**
 * Shortens text to `max` characters (code points, so an emoji is never cut in half), ending with
 * an ellipsis. Applied before escaping, so an entity like `&amp;` is never cut either.
 */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Text for `plain_text` objects (headers, buttons, options): not parsed by Slack, only clipped. */
export function plain(text: string, max: number): string {
  const clipped = truncate(text.replace(/\s+/g, ' ').trim(), max);
  return clipped === '' ? '-' : clipped;
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** `<@U…>` for a well-formed Slack user ID; anything else is escaped as text. */
export function mention(userId: string): string {
  return USER_ID.test(userId) ? `<@${userId}>` : mrkdwn(userId);
}

/**
 * How a timeline actor reads in Slack. Herald's actor convention: `slack:<UserID>` for people
 * acting from Slack (rendered as a mention), `api` or `api:<name>` for the REST API, anything
 * else (alerts, the escalation engine) as escaped text.
 */
export function actorText(actor: string): string {
  const slack = /^slack:(.+)$/.exec(actor);
  if (slack?.[1] !== undefined && USER_ID.test(slack[1])) return `<@${slack[1]}>`;
  if (actor === 'api') return 'the API';
  const api = /^api:(.+)$/.exec(actor);
  if (api?.[1] !== undefined) return `${mrkdwn(api[1], 80)} (API)`;
  return mrkdwn(actor, 80);
}

/** The actor string Herald records for a Slack user. */
export const slackActor = (userId: string): string => `slack:${userId}`;

/**
 * A link to a URL Herald chose (config or its own routes), never to one a person typed. The URL
 * must be http(s); characters that would end the link token are percent-encoded.
 */
export function link(url: string, label: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return mrkdwn(label);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return mrkdwn(label);
  const safeUrl = parsed.toString().replace(/[|<> ]/g, (c) => encodeURIComponent(c));
  return `<${safeUrl}|${mrkdwn(label).replace(/\|/g, '¦')}>`;
}

/**
 * A Slack date token: each reader sees the time in their own timezone. The fallback (for
 * clients that cannot render tokens, and for notifications) is the UTC time.
 */
export function dateToken(at: DateTime, format = '{date_short_pretty} at {time}'): string {
  const seconds = Math.floor(at.toSeconds());
  const fallback = at.toUTC().toFormat("yyyy-LL-dd HH:mm 'UTC'");
  return `<!date^${seconds}^${format}|${fallback}>`;
}

/** Inverse of {@link mrkdwn} (for tests and for reading back what Slack echoes). */
export function unescapeMrkdwn(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
