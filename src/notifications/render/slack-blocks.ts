import type { Severity } from '../../config/vocabulary';
import type { MessageContent } from './content';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { mrkdwn } from '../../slack/mrkdwn';
import { cleanBlock, longestWordPrefix, oneLine, safeHttpUrl } from './text';

/** Block Kit's own ceilings (characters), checked after escaping. */
const LIMIT = { sectionText: 3000, field: 2000, fields: 10, blocks: 50, fallback: 3000 } as const;

const SEVERITY_EMOJI: Readonly<Record<Severity, string>> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':large_blue_circle:',
  info: ':white_circle:',
};

/** A Block Kit block as Herald builds them (a subset of Slack's `KnownBlock`, kept structural). */
export type SlackBlock =
  | { type: 'section'; text: MrkdwnText; fields?: undefined }
  | { type: 'section'; fields: MrkdwnText[]; text?: undefined }
  | { type: 'context'; elements: MrkdwnText[] }
  | { type: 'divider' };
export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
  /** true: Slack does not turn bare URLs, channel names or "@here" into links or mentions. */
  verbatim: true;
}

export interface RenderedSlack {
  /** Notification and fallback text (escaped mrkdwn). */
  readonly text: string;
  readonly blocks: SlackBlock[];
}

const md = (text: string): MrkdwnText => ({ type: 'mrkdwn', text, verbatim: true });

/**
 * `raw` escaped, cut between words so the escaped text stays within `limit` (escaping lengthens
 * text, so the cut is made on the raw words and measured escaped; an entity is never split).
 */
export function escapedWithin(
  raw: string,
  limit: number,
  wrap: (escaped: string) => string = (s) => s,
): string {
  const whole = wrap(mrkdwn(raw));
  if (whole.length <= limit) return whole;
  const fitted = longestWordPrefix(raw.split(' '), (c) => wrap(mrkdwn(c)).length <= limit, '…');
  if (fitted !== undefined) return wrap(mrkdwn(fitted));
  // One word longer than the limit (a pasted blob): cut it by code points, never inside an entity.
  const chars = Array.from(raw);
  const at = (n: number): string => wrap(mrkdwn(`${chars.slice(0, n).join('')}…`));
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (at(mid).length <= limit) lo = mid;
    else hi = mid - 1;
  }
  return at(lo);
}

/** Slack link syntax `<url|label>`: the URL is normalised http(s); a raw `|` or `>` in it would end it early. */
function slackLink(url: string, label: string): string {
  const href = mrkdwn(url).replace(/\|/g, '%7C');
  return `<${href}|${mrkdwn(label)}>`;
}

/**
 * Slack message for `content`: a bold headline with a severity emoji, one section per paragraph,
 * fields in two-column sections, links as `<url|label>` (http(s) only), the footer as context.
 * Everything a person typed goes through the mrkdwn escaper and every text object is `verbatim`,
 * so typed text cannot mention `@channel`, link elsewhere or break the layout. Slack's limits
 * (3,000 per section, 2,000 per field, 10 fields per section, 50 blocks) are respected by cutting
 * between words.
 */
export function renderSlack(content: MessageContent): RenderedSlack {
  const blocks: SlackBlock[] = [];
  const emoji = SEVERITY_EMOJI[content.severity];
  blocks.push({
    type: 'section',
    text: md(escapedWithin(oneLine(content.headline), LIMIT.sectionText, (h) => `${emoji} *${h}*`)),
  });

  const fieldBlocks: SlackBlock[] = [];
  for (let i = 0; i < content.fields.length; i += LIMIT.fields) {
    const chunk = content.fields.slice(i, i + LIMIT.fields);
    fieldBlocks.push({
      type: 'section',
      fields: chunk.map((f) => {
        const label = escapedWithin(oneLine(f.label), 200, (l) => `*${l}*`);
        return md(escapedWithin(cleanBlock(f.value), LIMIT.field, (v) => `${label}\n${v}`));
      }),
    });
  }
  const links = content.links.flatMap((l) => {
    const url = safeHttpUrl(l.url);
    return url && url.length <= LIMIT.sectionText / 2 ? [slackLink(url, oneLine(l.label) || 'Link')] : [];
  });
  const tail: SlackBlock[] = [...fieldBlocks];
  if (links.length) tail.push({ type: 'section', text: md(joinWithin(links, ' · ', LIMIT.sectionText)) });
  const footer = content.footer === undefined ? '' : oneLine(content.footer);
  if (footer) tail.push({ type: 'context', elements: [md(escapedWithin(footer, LIMIT.sectionText))] });

  // Paragraphs fill whatever the block budget leaves after headline, fields, links and footer.
  const room = LIMIT.blocks - blocks.length - tail.length;
  const paragraphs = content.paragraphs.map(cleanBlock).filter((p) => p !== '');
  const shown = paragraphs.length > room ? paragraphs.slice(0, Math.max(0, room - 1)) : paragraphs;
  for (const p of shown) {
    blocks.push({ type: 'section', text: md(escapedWithin(p, LIMIT.sectionText)) });
  }
  if (shown.length < paragraphs.length && room > 0) {
    blocks.push({ type: 'context', elements: [md(`…and ${paragraphs.length - shown.length} more`)] });
  }
  blocks.push(...tail);
  return { text: escapedWithin(oneLine(content.subject), LIMIT.fallback), blocks };
}

function joinWithin(items: readonly string[], separator: string, limit: number): string {
  let out = '';
  for (const item of items) {
    const next = out ? `${out}${separator}${item}` : item;
    if (next.length > limit) break;
    out = next;
  }
  return out;
}
