import type { MessageContent } from './content';
import { countSms, type SmsEncoding } from './gsm';
import { cleanBlock, longestWordPrefix, oneLine, safeHttpUrl } from './text';

export { countSms, isGsm7, type SmsCount, type SmsEncoding } from './gsm';

/** Twilio's ceiling for one message body (and SNS's for SMS), in UTF-16 units. */
export const SMS_MAX_LENGTH = 1600;

export interface SmsOptions {
  /** At most this many characters (UTF-16 units); never above {@link SMS_MAX_LENGTH}. */
  readonly maxLength?: number;
  /** At most this many segments (each one is billed); unlimited below the length ceiling. */
  readonly maxSegments?: number;
}

export interface RenderedSms {
  readonly text: string;
  readonly encoding: SmsEncoding;
  readonly segments: number;
  /** Characters as the 1,600 ceiling counts them (UTF-16 units). */
  readonly length: number;
  /** Septets (GSM-7) or UTF-16 units (UCS-2): what the segment size is measured in. */
  readonly units: number;
}

/**
 * Typographic characters outside GSM-7 that people paste from documents, replaced by their GSM-7
 * look-alikes (as Twilio's "smart encoding" does), so one curly quote does not switch the whole
 * message to UCS-2 and more than double its segments.
 */
const SMART: ReadonlyArray<[RegExp, string]> = [
  [/[\u2018\u2019\u201a\u201b\u2032\u02bc]/g, "'"],
  [/[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]/g, '"'],
  [/[\u2010-\u2015\u2212]/g, '-'],
  [/\u2026/g, '...'],
  [/[\u00a0\u2000-\u200a\u202f\u205f\u3000]/g, ' '],
  [/\u2022/g, '*'],
];

function smsLine(text: string): string {
  let out = oneLine(text);
  for (const [pattern, replacement] of SMART) out = out.replace(pattern, replacement);
  return out.replace(/ {2,}/g, ' ').trim();
}

interface Piece {
  readonly text: string;
  /** Cut between words (with an ellipsis) rather than dropped whole. */
  readonly trimmable: boolean;
  /** Lower goes first when the message is too long. */
  readonly priority: number;
}

/**
 * The SMS body for `content`: one piece per line (subject, headline, paragraphs, `Label: value`
 * fields, `Label: URL` links, footer), plain text, control characters stripped. When the message
 * exceeds `maxLength` (at most 1,600) or `maxSegments`, text goes in this order: footer,
 * paragraphs from the last, headline, fields from the last, links after the first, then the
 * subject is shortened; the first link (the signed acknowledge link) goes last of all. The text
 * piece that crosses the limit is shortened between words rather than dropped (links and the
 * footer are kept whole or dropped); a word or a URL is never cut.
 */
export function renderSms(content: MessageContent, opts: SmsOptions = {}): RenderedSms {
  const pieces: Piece[] = [];
  const add = (text: string, trimmable: boolean, priority: number): void => {
    if (text) pieces.push({ text, trimmable, priority });
  };
  const subject = smsLine(content.subject);
  const headline = smsLine(content.headline);
  const links = content.links.flatMap((l) => {
    const url = safeHttpUrl(l.url);
    return url ? [`${smsLine(l.label) || 'Link'}: ${url}`] : [];
  });
  const paragraphs = content.paragraphs.map((p) => smsLine(cleanBlock(p)));
  const fields = content.fields.map((f) => smsLine(`${f.label}: ${f.value}`));

  // Priorities: 1000+ first link, 900 subject, 800+ other links, 700+ fields, 600 headline,
  // 100+ paragraphs, 0 footer. Within a kind, earlier items rank higher.
  add(subject, true, 900);
  if (headline !== subject) add(headline, true, 600);
  paragraphs.forEach((p, i) => add(p, true, 500 - Math.min(i, 399)));
  fields.forEach((f, i) => add(f, true, 799 - Math.min(i, 99)));
  links.forEach((l, i) => add(l, false, i === 0 ? 1000 : 899 - Math.min(i, 99)));
  add(smsLine(content.footer ?? ''), false, 0);
  return fitPieces(pieces, opts);
}

/**
 * Plain text fitted to SMS limits: each line a piece, earlier lines kept over later ones, the
 * crossing line shortened between words. For texts rendered elsewhere (an SNS topic's `sms` body).
 */
export function fitSmsText(text: string, opts: SmsOptions = {}): RenderedSms {
  const lines = cleanBlock(text)
    .split('\n')
    .map(smsLine)
    .filter((l) => l !== '');
  return fitPieces(
    lines.map((l, i) => ({ text: l, trimmable: true, priority: lines.length - i })),
    opts,
  );
}

function measure(text: string): RenderedSms {
  const { encoding, segments, units } = countSms(text);
  return { text, encoding, segments, units, length: text.length };
}

function fitPieces(all: readonly Piece[], opts: SmsOptions): RenderedSms {
  const maxLength = Math.min(opts.maxLength ?? SMS_MAX_LENGTH, SMS_MAX_LENGTH);
  const fits = (text: string): boolean => {
    if (text.length > maxLength) return false;
    return opts.maxSegments === undefined || countSms(text).segments <= opts.maxSegments;
  };
  let kept: Array<Piece | { readonly text: string; readonly replaced: Piece }> = [...all];
  const join = (list: typeof kept): string => list.map((p) => p.text).join('\n');
  if (fits(join(kept))) return measure(join(kept));

  // Lowest priority first; a stable sort keeps display order among equals.
  const victims = [...all].sort((a, b) => a.priority - b.priority);
  for (const victim of victims) {
    const at = kept.indexOf(victim);
    if (victim.trimmable) {
      const withText = (t: string): string =>
        join([...kept.slice(0, at), { text: t, replaced: victim }, ...kept.slice(at + 1)]);
      const shortened = longestWordPrefix(victim.text.split(' '), (t) => fits(withText(t)));
      if (shortened !== undefined) return measure(withText(shortened));
    }
    kept = kept.filter((p) => p !== victim);
    if (fits(join(kept))) return measure(join(kept));
  }
  return measure('');
}
