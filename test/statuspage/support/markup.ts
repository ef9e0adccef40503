/**
 * A structural check of rendered HTML: in preact's output every `<` of user text is escaped, so
 * every `<` left is markup. Lists tags, attributes and link targets that a template of ours would
 * never produce, so a test fails with the offending piece rather than the whole page.
 */
const ALLOWED_TAGS = new Set(
  (
    'html head meta title link style body a header div h1 h2 h3 nav ul ol li main section article p span strong ' +
    'small br time svg rect g line text figure figcaption details summary table thead tbody tr th td form label input button footer'
  ).split(' '),
);

export function injectedMarkup(html: string): string[] {
  const problems: string[] = [];
  const withoutStyle = html.replace(/<style>[^<]*<\/style>/, '<style></style>');
  const body = withoutStyle.replace(/^<!doctype html>/, '');
  const tag = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=>"'/]+(?:="[^"]*"|=[^\s>"]*)?)*)\s*(\/?)>/y;
  const attr = /\s+([^\s=>"'/]+)(?:="([^"]*)"|=([^\s>"]*))?/g;
  for (let i = body.indexOf('<'); i >= 0; i = body.indexOf('<', i + 1)) {
    tag.lastIndex = i;
    const m = tag.exec(body);
    if (!m) {
      problems.push(`stray "<" at: ${body.slice(i, i + 40)}`);
      continue;
    }
    const name = (m[2] ?? '').toLowerCase();
    if (!ALLOWED_TAGS.has(name)) problems.push(`tag <${name}>`);
    for (const a of (m[3] ?? '').matchAll(attr)) {
      const key = (a[1] ?? '').toLowerCase();
      const value = a[2] ?? a[3] ?? '';
      if (key.startsWith('on')) problems.push(`attribute ${key} on <${name}>`);
      if ((key === 'href' || key === 'action' || key === 'src') && !/^(\/|#|https?:\/\/)/.test(value)) {
        problems.push(`${key}="${value.slice(0, 40)}" on <${name}>`);
      }
      if (key === 'style') problems.push(`inline style on <${name}>`);
    }
  }
  return problems;
}

/** The needles not found in a page (so a failure names them instead of printing the page). */
export const missing = (text: string, ...needles: string[]): string[] =>
  needles.filter((n) => !text.includes(n));
/** The needles found in a page that must not be there. */
export const present = (text: string, ...needles: string[]): string[] =>
  needles.filter((n) => text.includes(n));
