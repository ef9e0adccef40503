/**
 * Plain-text hygiene shared by the renderers and adapters. Text a person typed reaches phones, mail
 * clients and logs: control characters could forge lines or headers, bidirectional overrides could
 * make a link read as something else ("Trojan Source"), and a lone surrogate cannot be encoded at
 * all. These functions remove exactly those and leave every visible character (RTL scripts, emoji,
 * zero-width joiners inside emoji) alone.
 */

// C0 controls except \n, DEL, C1 controls; bidi embeddings/overrides/isolates; BOM.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Removes control and bidi-override characters and lone surrogates; keeps line breaks as `\n`. */
export function stripControl(text: string): string {
  return text
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n')
    .replace(/\t/g, ' ')
    .replace(CONTROL, '')
    .replace(LONE_SURROGATE, '');
}

/** One line: control characters removed, every run of whitespace (line breaks too) one space. */
export function oneLine(text: string): string {
  return stripControl(text).replace(/\s+/g, ' ').trim();
}

/** Paragraph text: controls removed, trailing spaces trimmed, at most one blank line in a row. */
export function cleanBlock(text: string): string {
  return stripControl(text)
    .split('\n')
    .map((line) => line.replace(/[^\S\n]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * The URL normalised when it is an absolute http(s) URL, else undefined: `javascript:`, `data:`,
 * relative and malformed links are dropped rather than rendered, in every channel alike.
 */
export function safeHttpUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url.trim());
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** Token that readers (phones, mail clients) turn into a link: never to be cut or glued to. */
export const looksLikeUrl = (token: string): boolean => /^(?:https?:\/\/|www\.)/i.test(token);

/**
 * The longest prefix of `words` (whole tokens) that, with an ellipsis, satisfies `fits`; undefined
 * when not even the first token does. `fits` must be monotone (a shorter text fits if a longer one
 * does), which lets this binary-search instead of trying every length. The ellipsis is set apart
 * from a URL so it does not become part of the link.
 */
export function longestWordPrefix(
  words: readonly string[],
  fits: (candidate: string) => boolean,
  ellipsis = '...',
): string | undefined {
  const candidate = (k: number): string => {
    const head = words.slice(0, k).join(' ');
    const last = words[k - 1] ?? '';
    return looksLikeUrl(last) ? `${head} ${ellipsis}` : `${head}${ellipsis}`;
  };
  let lo = 0;
  let hi = words.length - 1; // the whole text is known not to fit
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(candidate(mid))) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? undefined : candidate(lo);
}

/**
 * `text` on one line, at most `max` UTF-16 units, cut only between words (with an ellipsis).
 * When the first word alone is too long it is cut hard: a subject line must not vanish.
 */
export function truncateLine(text: string, max: number, ellipsis = '...'): string {
  const line = oneLine(text);
  if (line.length <= max) return line;
  const fitted = longestWordPrefix(line.split(' '), (c) => c.length <= max, ellipsis);
  if (fitted !== undefined) return fitted;
  const cut = Array.from(line.slice(0, Math.max(0, max - ellipsis.length))).join('');
  return `${cut.replace(LONE_SURROGATE, '')}${ellipsis}`;
}
