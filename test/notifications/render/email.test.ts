import { renderEmail, SUBJECT_MAX } from '../../../src/notifications/render/email';
import { FORBIDDEN_CONTROLS, INJECTION, SAFE_LINK, hostileContent, plainContent } from './corpus';

const org = { orgName: 'Acme <Ops> & Co' };

/** Every href value, entity-decoded for &amp; only. */
const hrefs = (html: string): string[] =>
  [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));

/** Start tags with their attribute names; attribute values are double-quoted by the renderer. */
const START_TAG = /<([a-z][a-z0-9]*)((?:\s+[a-z-]+(?:="[^"]*")?)*)\s*\/?>/g;
function startTags(html: string): Array<{ tag: string; attributes: string[] }> {
  return [...html.matchAll(START_TAG)].map((m) => ({
    tag: m[1]!,
    attributes: [...m[2]!.matchAll(/\s+([a-z-]+)(?:="[^"]*")?/g)].map((a) => a[1]!),
  }));
}

const LAYOUT_ATTRIBUTES = new Set([
  'lang',
  'charset',
  'name',
  'content',
  'style',
  'role',
  'cellpadding',
  'cellspacing',
  'border',
  'width',
  'align',
  'dir',
  'href',
  'target',
  'rel',
]);
const LAYOUT_TAGS = new Set([
  'html',
  'head',
  'meta',
  'title',
  'body',
  'table',
  'tr',
  'td',
  'h1',
  'p',
  'br',
  'div',
  'a',
]);

describe('renderEmail', () => {
  test('renders a complete HTML document with table layout, inline styles and a plain-text part', () => {
    const email = renderEmail(plainContent({ footer: 'You are on call for checkout.' }), org);
    expect(email.subject).toBe('[CRITICAL] INC-12 declared: Checkout failing');
    expect(email.html.startsWith('<!DOCTYPE html><html lang="en">')).toBe(true);
    expect(email.html).toContain('<table role="presentation" cellpadding="0" cellspacing="0" border="0"');
    expect(email.html).not.toContain('<style');
    expect(email.html).toContain('CRITICAL · Acme &lt;Ops> &amp; Co');
    expect(email.html).toContain('>Orders fail at payment for every customer.</p>');
    expect(email.text).toBe(
      [
        'Checkout failing',
        '',
        'Orders fail at payment for every customer.',
        '',
        'Status: investigating',
        'Services: checkout',
        '',
        `Acknowledge: ${SAFE_LINK.url}`,
        '',
        '--',
        'You are on call for checkout.',
        'Acme <Ops> & Co',
        '',
      ].join('\n'),
    );
  });

  test('the severity sets the banner colour', () => {
    expect(renderEmail(plainContent({ severity: 'critical' }), org).html).toContain(
      'background:#b3261e;color:#ffffff',
    );
    expect(renderEmail(plainContent({ severity: 'low' }), org).html).toContain(
      'background:#1d4ed8;color:#ffffff',
    );
  });

  test('injection corpus: no element or attribute comes from typed text', () => {
    const { html } = renderEmail(hostileContent(), org);
    const tags = startTags(html);
    for (const { tag, attributes } of tags) {
      expect(LAYOUT_TAGS.has(tag)).toBe(true);
      for (const attribute of attributes) expect(LAYOUT_ATTRIBUTES.has(attribute)).toBe(true);
    }
    // Every "<" in the document opens one of those tags, a closing tag or the doctype.
    const rest = html
      .replace('<!DOCTYPE html>', '')
      .replace(START_TAG, '')
      .replace(/<\/[a-z0-9]+>/g, '');
    expect(rest).not.toContain('<');
    expect(tags.filter((t) => t.tag === 'a')).toHaveLength(2);
    expect(html).toContain('&lt;script>alert(1)&lt;/script>');
    expect(html).toContain('&quot;>&lt;img src=x onerror=alert(1)>');
    expect(html).toContain('R&amp;D &amp;amp; ops');
    expect(html).toContain('&lt;!channel>');
  });

  test('only http(s) links become anchors: javascript:, data: and relative links are dropped', () => {
    const { html, text } = renderEmail(hostileContent(), org);
    expect(hrefs(html)).toEqual([SAFE_LINK.url, 'https://herald.example/incidents/INC-12']);
    expect(html).not.toMatch(/javascript:|data:text|href="\//);
    expect(text).not.toMatch(/javascript:|data:text/);
    expect(text).toContain(
      `Incident "><img src=x onerror=alert(1)>: https://herald.example/incidents/INC-12`,
    );
  });

  test('the subject is one line without control characters, at most 200 characters', () => {
    const { subject } = renderEmail(hostileContent(), org);
    expect(subject).toBe(
      '[CRITICAL] INC-12 declared: Checkout Bcc: victim@example.com <script>alert(1)</script>',
    );
    const long = renderEmail(plainContent({ subject: INJECTION.long }), org).subject;
    expect(long.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(long).toMatch(/^(overflow )+overflow\.\.\.$/);
  });

  test('right-to-left text keeps its characters and is marked dir="auto"', () => {
    const { html, text } = renderEmail(plainContent({ paragraphs: [INJECTION.rtl] }), org);
    expect(html).toContain(`<p dir="auto"`);
    expect(html).toContain('>الدفع معطل — שלום</p>');
    expect(text).toContain('الدفع معطل — שלום');
  });

  test('emoji survive; control characters and bidi overrides are removed; line breaks become <br/>', () => {
    const { html, text } = renderEmail(
      plainContent({ paragraphs: [INJECTION.emoji, INJECTION.bidiSpoof, INJECTION.controls] }),
      org,
    );
    expect(html).toContain('Checkout down 🚨🔥 👩🏽‍💻');
    expect(html).toContain('invoicefdp.exe');
    expect(html).toContain('line one[31mred<br/>line two');
    expect(html).not.toMatch(FORBIDDEN_CONTROLS);
    expect(text).toContain('line one[31mred\nline two');
  });

  test('10,000 characters of input are rendered whole (email has room) and wrap in narrow clients', () => {
    const { html, text } = renderEmail(plainContent({ paragraphs: [INJECTION.long] }), org);
    expect(html).toContain(INJECTION.long);
    expect(text).toContain(INJECTION.long);
    expect(html).toContain('overflow-wrap:anywhere');
  });

  test('no links, no fields, no footer: those sections are left out', () => {
    const { html, text } = renderEmail(plainContent({ links: [], fields: [] }), org);
    expect(hrefs(html)).toEqual([]);
    expect(text).toBe(
      'Checkout failing\n\nOrders fail at payment for every customer.\n\n--\nAcme <Ops> & Co\n',
    );
  });
});
