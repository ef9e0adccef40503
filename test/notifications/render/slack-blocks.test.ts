import { escapedWithin, renderSlack, type SlackBlock } from '../../../src/notifications/render/slack-blocks';
import { FORBIDDEN_CONTROLS, INJECTION, SAFE_LINK, hostileContent, plainContent } from './corpus';

/** Every mrkdwn string in the message: what Slack will parse. */
function texts(blocks: SlackBlock[]): string[] {
  return blocks.flatMap((b) => {
    if (b.type === 'section') return b.text ? [b.text.text] : b.fields.map((f) => f.text);
    if (b.type === 'context') return b.elements.map((e) => e.text);
    return [];
  });
}

/** Slack control sequences `<…>` in a mrkdwn string. */
const controls = (text: string): string[] => text.match(/<[^>]*>/g) ?? [];

describe('renderSlack', () => {
  test('headline with severity emoji, paragraphs, fields, links and footer as Block Kit', () => {
    const slack = renderSlack(plainContent({ footer: 'On call: checkout' }));
    expect(slack.text).toBe('[CRITICAL] INC-12 declared: Checkout failing');
    expect(slack.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: ':red_circle: *Checkout failing*', verbatim: true } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: 'Orders fail at payment for every customer.', verbatim: true },
      },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*Status*\ninvestigating', verbatim: true },
          { type: 'mrkdwn', text: '*Services*\ncheckout', verbatim: true },
        ],
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: '<https://herald.example/ack/INC-12?sig=a1b2&amp;exp=99|Acknowledge>',
          verbatim: true,
        },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'On call: checkout', verbatim: true }] },
    ]);
  });

  test("injection corpus: typed text cannot mention, broadcast or link; only Herald's own links remain", () => {
    const slack = renderSlack(hostileContent());
    const all = [slack.text, ...texts(slack.blocks)];
    const sequences = all.flatMap(controls);
    expect(sequences).toEqual([
      '<https://herald.example/ack/INC-12?sig=a1b2&amp;exp=99|Acknowledge>',
      '<https://herald.example/incidents/INC-12|Incident "&gt;&lt;img src=x onerror=alert(1)&gt;>',
    ]);
    const joined = all.join('\n');
    expect(joined).toContain(
      '&lt;!channel&gt; &lt;!here&gt; &lt;@U0ALICE&gt; &lt;https://evil.example|click me&gt;',
    );
    expect(joined).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(joined).toContain('R&amp;D &amp;amp; ops');
    expect(joined).not.toMatch(/javascript:|data:text/);
    for (const block of slack.blocks) {
      if (block.type === 'section' && block.text) expect(block.text.verbatim).toBe(true);
    }
  });

  test('emoji and right-to-left text pass through; control and bidi-override characters do not', () => {
    const joined = texts(
      renderSlack(
        plainContent({
          paragraphs: [INJECTION.emoji, INJECTION.rtl, INJECTION.bidiSpoof, INJECTION.controls],
        }),
      ).blocks,
    ).join('\n');
    expect(joined).toContain('Checkout down 🚨🔥 👩🏽‍💻');
    expect(joined).toContain('الدفع معطل — שלום');
    expect(joined).toContain('invoicefdp.exe');
    expect(joined).toContain('line one[31mred\nline two');
    expect(joined).not.toMatch(FORBIDDEN_CONTROLS);
  });

  test('10,000 characters: each section stays within 3,000 characters, cut between words', () => {
    const slack = renderSlack(plainContent({ paragraphs: [INJECTION.long], subject: INJECTION.long }));
    const paragraph = texts(slack.blocks)[1]!;
    expect(paragraph.length).toBeLessThanOrEqual(3000);
    expect(paragraph).toMatch(/^(overflow )+overflow…$/);
    expect(slack.text.length).toBeLessThanOrEqual(3000);
  });

  test('escaping never pushes a section over its limit and never splits an entity', () => {
    const slack = renderSlack(plainContent({ paragraphs: ['& '.repeat(2000).trim()] }));
    const paragraph = texts(slack.blocks)[1]!;
    expect(paragraph.length).toBeLessThanOrEqual(3000);
    expect(paragraph).toMatch(/^(&amp; )+&amp;…$/);
  });

  test('one unbroken 10,000-character blob is cut by characters, within the limit and not inside an entity', () => {
    const blob = '<'.repeat(10_000);
    const text = escapedWithin(blob, 3000);
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).toMatch(/^(&lt;)+…$/);
    expect(text.length).toBeGreaterThan(2990);
  });

  test('fields go ten to a section, each at most 2,000 characters', () => {
    const fields = Array.from({ length: 23 }, (_, i) => ({
      label: `F${i}`,
      value: `${'value '.repeat(500)}`,
    }));
    const slack = renderSlack(plainContent({ fields }));
    const sections = slack.blocks.filter((b) => b.type === 'section' && b.fields);
    expect(sections.map((b) => (b.type === 'section' ? b.fields?.length : 0))).toEqual([10, 10, 3]);
    for (const b of sections)
      if (b.type === 'section') for (const f of b.fields!) expect(f.text.length).toBeLessThanOrEqual(2000);
  });

  test('at most 50 blocks: extra paragraphs are summarised, links and footer kept', () => {
    const paragraphs = Array.from({ length: 80 }, (_, i) => `Paragraph ${i}`);
    const slack = renderSlack(plainContent({ paragraphs, footer: 'footer' }));
    expect(slack.blocks).toHaveLength(50);
    const all = texts(slack.blocks);
    expect(all).toContain('…and 35 more');
    expect(all).toContain('footer');
    expect(all.some((t) => t.includes(SAFE_LINK.url.replace('&', '&amp;')))).toBe(true);
  });
});
