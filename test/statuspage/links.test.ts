import fc from 'fast-check';
import { renderToString } from 'preact-render-to-string';
import { findLinks, type LinkSpan } from '../../src/statuspage/views/links';
import { Linkified } from '../../src/statuspage/views/parts';

const isHttpUrl = (s: string): boolean => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};

/** The regular expression the pages used before (quadratic on long punctuation runs): ordinary input only. */
function regexLinks(text: string): LinkSpan[] {
  const links: LinkSpan[] = [];
  for (const m of text.matchAll(/\bhttps?:\/\/[^\s<>"'`]+/gi)) {
    const start = m.index ?? 0;
    const trail = /[.,;:!?)\]}]+$/.exec(m[0])?.[0] ?? '';
    const url = m[0].slice(0, m[0].length - trail.length);
    if (isHttpUrl(url)) links.push({ start, end: start + url.length, url });
  }
  return links;
}

/**
 * A second, plain formulation: split at the characters that end a URL; in each word the link (if
 * any) runs from the first `http(s)://` at a word boundary to the end of the word, minus trailing
 * punctuation. Linear, so it can check hostile inputs of any length.
 */
function wordLinks(text: string): LinkSpan[] {
  const links: LinkSpan[] = [];
  const word = /[^\s<>"'`]+/g;
  for (const w of text.matchAll(word)) {
    const at = w[0].search(/\bhttps?:\/\//i);
    if (at < 0) continue;
    let url = w[0].slice(at);
    while (url.length > 0 && '.,;:!?)]}'.includes(url[url.length - 1] as string)) url = url.slice(0, -1);
    const start = (w.index ?? 0) + at;
    if (isHttpUrl(url)) links.push({ start, end: start + url.length, url });
  }
  return links;
}

describe('findLinks', () => {
  it.each([
    ['See https://example.com/x?a=1&b=2.', ['https://example.com/x?a=1&b=2']],
    ['(details: http://status.example.com/incidents/1).', ['http://status.example.com/incidents/1']],
    ['HTTPS://EXAMPLE.COM and https://b.example/y', ['HTTPS://EXAMPLE.COM', 'https://b.example/y']],
    ['xhttps://no.example _http://no.example', []],
    ['javascript:alert(1) ftp://x.example http:// https://)', []],
    ['<https://a.example/>"https://b.example/"', ['https://a.example/', 'https://b.example/']],
    ['https://a.example/\u00a0https://b.example/\u2003end', ['https://a.example/', 'https://b.example/']],
    ['https://a.example/).https://b.example', ['https://a.example/).https://b.example']],
  ])('%s', (text, urls) => {
    expect(findLinks(text).map((l) => l.url)).toEqual(urls);
    expect(findLinks(text)).toEqual(regexLinks(text));
  });

  it('finds the same links as the old regular expression on generated text', () => {
    const piece = fc.constantFrom(
      'http://',
      'https://',
      'HTTP://',
      'hTtPs://',
      'http:/',
      'a',
      'x.example',
      '.',
      ')',
      ']',
      '?',
      ':',
      '/',
      '_',
      ' ',
      '\n',
      '\u00a0',
      '<',
      '"',
      '`',
      'é',
      '[',
      '%',
      '@',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        expect(findLinks(text)).toEqual(regexLinks(text));
        expect(findLinks(text)).toEqual(wordLinks(text));
      }),
      { numRuns: 2000, seed: 20261126 },
    );
  });

  it.each([
    ['http:// followed by 50,000 "a."', `http://${'a.'.repeat(50_000)}`],
    [
      'a 100,000-character punctuation tail',
      `see https://example.com/${')'.repeat(50_000)}${'.'.repeat(49_970)}`,
    ],
    ['repeated near-URLs', 'http:/https:/http//https//h'.repeat(3_800)],
    ['many short URLs', 'http://a.b.c/ '.repeat(7_200)],
    ['schemes glued to words', 'xhttp://a.'.repeat(10_000)],
  ])('reads each character at most twice on %s', (_name, text) => {
    expect(text.length).toBeGreaterThanOrEqual(99_000);
    const meter = { steps: 0 };
    const links = findLinks(text, meter);
    expect(meter.steps).toBeLessThanOrEqual(2 * text.length);
    expect(links).toEqual(wordLinks(text));
  });

  it('keeps the markup: links as <a>, everything else escaped text', () => {
    const html = renderToString(
      Linkified({ text: 'Fixed <b>now</b>: https://status.example.com/i/1?a=1&b="2". Thanks' }),
    );
    expect(html).toBe(
      'Fixed &lt;b>now&lt;/b>: <a href="https://status.example.com/i/1?a=1&amp;b=" rel="nofollow noopener noreferrer">https://status.example.com/i/1?a=1&amp;b=</a>&quot;2&quot;. Thanks',
    );
  });
});
