import fc from 'fast-check';
import type { MessageContent } from '../../../src/notifications/render/content';
import { countSms, fitSmsText, renderSms, SMS_MAX_LENGTH } from '../../../src/notifications/render/sms';
import { FORBIDDEN_CONTROLS, INJECTION, SAFE_LINK, hostileContent, plainContent } from './corpus';

const ACK = `Acknowledge: ${SAFE_LINK.url}`;

/** Words of `text`, an output token minus a trailing ellipsis must be one of them. */
const tokens = (text: string): string[] => text.split(/\s+/).filter(Boolean);

function expectOnlyWholeTokens(output: string, input: string): void {
  const known = new Set(tokens(input));
  for (const token of tokens(output)) {
    const bare = token.endsWith('...') && !known.has(token) ? token.slice(0, -3) : token;
    if (bare === '') continue; // a lone " ..." after a URL
    expect(known.has(bare)).toBe(true);
  }
}

describe('renderSms', () => {
  test('renders subject, headline, paragraphs, fields and links as plain lines', () => {
    expect(renderSms(plainContent())).toEqual({
      text: [
        '[CRITICAL] INC-12 declared: Checkout failing',
        'Checkout failing',
        'Orders fail at payment for every customer.',
        'Status: investigating',
        'Services: checkout',
        ACK,
      ].join('\n'),
      encoding: 'GSM-7',
      segments: 2,
      units: 210, // "[" and "]" are extension characters: two septets each
      length: 208,
    });
  });

  test('a headline equal to the subject is not repeated', () => {
    const text = renderSms(plainContent({ headline: '[CRITICAL] INC-12 declared: Checkout failing' })).text;
    expect(text.split('\n')[1]).toBe('Orders fail at payment for every customer.');
  });

  test('maxSegments: 1 drops the headline and paragraph first and keeps subject, fields and the ack link', () => {
    const sms = renderSms(plainContent(), { maxSegments: 1 });
    expect(sms.text).toBe(
      [
        '[CRITICAL] INC-12 declared: Checkout failing',
        'Status: investigating',
        'Services: checkout',
        ACK,
      ].join('\n'),
    );
    expect(sms.segments).toBe(1);
    expect(sms.units).toBeLessThanOrEqual(160);
  });

  test('the footer goes first, then paragraphs from the last', () => {
    const content = plainContent({
      paragraphs: ['First paragraph.', 'Second paragraph.'],
      footer: 'Reply STOP to opt out.',
    });
    const full = renderSms(content).text;
    const withoutFooter = renderSms(content, { maxLength: full.length - 1 }).text;
    expect(withoutFooter).not.toContain('STOP');
    expect(withoutFooter).toContain('Second paragraph.');
    const shorter = renderSms(content, { maxLength: withoutFooter.length - 10 }).text;
    expect(shorter).toContain('First paragraph.');
    expect(shorter).not.toContain('Second paragraph.');
  });

  test('the crossing paragraph is shortened between words, with an ellipsis', () => {
    const content = plainContent({
      paragraphs: ['one two three four five six seven eight nine ten'],
      fields: [],
    });
    const base = renderSms({ ...content, paragraphs: [] }).text.length;
    const sms = renderSms(content, { maxLength: base + '\none two three...'.length + 2 });
    expect(sms.text).toContain('\none two three...\n');
  });

  test('a URL is never cut: a paragraph ending in a URL loses the whole URL or keeps it whole', () => {
    const url = 'https://grafana.example/d/checkout?orgId=1&from=now-1h';
    const content = plainContent({ paragraphs: [`Dashboard: ${url} shows errors`], fields: [] });
    for (let max = 60; max <= 260; max += 1) {
      const { text } = renderSms(content, { maxLength: max });
      expect(text.length).toBeLessThanOrEqual(max);
      const cut = text.split(/\s+/).filter((t) => t.startsWith('https://grafana'));
      for (const token of cut) expect(token).toBe(url);
    }
  });

  test('the ellipsis is set apart from a URL so it does not become part of the link', () => {
    const url = 'https://grafana.example/d/checkout';
    const content = plainContent({
      paragraphs: [`See ${url} and the runbook for details`],
      fields: [],
      links: [],
    });
    const base = renderSms({ ...content, paragraphs: [] }).text.length;
    const { text } = renderSms(content, { maxLength: base + `\nSee ${url} ...`.length });
    expect(text).toContain(`See ${url} ...`);
  });

  test('10,000 characters of hostile input: at most 1,600 characters, subject and ack link intact', () => {
    const sms = renderSms(hostileContent());
    expect(sms.length).toBeLessThanOrEqual(SMS_MAX_LENGTH);
    expect(sms.text.length).toBe(sms.length);
    expect(sms.text.split('\n')[0]).toBe(
      '[CRITICAL] INC-12 declared: Checkout Bcc: victim@example.com <script>alert(1)</script>',
    );
    expect(sms.text).toContain(ACK);
    expect(sms).toMatchObject(countSms(sms.text));
    // The 10,000-character paragraph was shortened between its words.
    const cut = tokens(sms.text).filter((t) => t.startsWith('ov'));
    expect(cut.length).toBeGreaterThan(10);
    for (const token of cut) expect(['overflow', 'overflow...']).toContain(token);
  });

  test('control characters and bidi overrides are stripped; RTL text and emoji stay', () => {
    const sms = renderSms(
      plainContent({
        paragraphs: [INJECTION.controls, INJECTION.bidiSpoof, INJECTION.rtl, INJECTION.emoji],
        fields: [],
      }),
    );
    expect(sms.text).not.toMatch(FORBIDDEN_CONTROLS);
    expect(sms.text).toContain('line one[31mred line two');
    expect(sms.text).toContain('invoicefdp.exe');
    expect(sms.text).toContain('الدفع معطل - שלום');
    expect(sms.text).toContain('Checkout down 🚨🔥 👩🏽‍💻');
    expect(sms.encoding).toBe('UCS-2');
  });

  test('javascript:, data: and relative links are dropped; http(s) links kept in order', () => {
    const text = renderSms(hostileContent()).text;
    expect(text).not.toMatch(/javascript:|data:text|\/incidents\/12\b(?!\S)/);
    expect(text.indexOf(ACK)).toBeLessThan(text.indexOf('https://herald.example/incidents/INC-12'));
  });

  test('curly quotes, dashes and ellipses become GSM-7 look-alikes, keeping the message GSM-7', () => {
    const sms = renderSms(plainContent({ paragraphs: ['It’s “down” – again… • retry'] }));
    expect(sms.text).toContain('It\'s "down" - again... * retry');
    expect(sms.encoding).toBe('GSM-7');
  });

  test('when not even the ack link fits, the result is empty rather than a cut link', () => {
    expect(renderSms(plainContent(), { maxLength: 20 }).text).toBe('');
  });

  test('property: within limits, whole tokens only, ack link kept whenever it fits', () => {
    const char = fc.constantFrom(...Array.from('aBz09€[]{}~ЖПр🚨.,:\'"<>&-'));
    const word = fc.string({ unit: char, minLength: 1, maxLength: 12 });
    const sentence = fc.array(word, { minLength: 1, maxLength: 60 }).map((w) => w.join(' '));
    fc.assert(
      fc.property(
        sentence,
        fc.array(sentence, { maxLength: 8 }),
        fc.array(fc.record({ label: word, value: sentence }), { maxLength: 4 }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        fc.integer({ min: 80, max: SMS_MAX_LENGTH }),
        (subject, paragraphs, fields, maxSegments, maxLength) => {
          const content: MessageContent = {
            subject,
            headline: subject,
            paragraphs,
            fields,
            links: [SAFE_LINK],
            severity: 'high',
          };
          const sms = renderSms(content, { maxLength, maxSegments });
          expect(sms.length).toBeLessThanOrEqual(maxLength);
          if (maxSegments !== undefined) expect(sms.segments).toBeLessThanOrEqual(maxSegments);
          expect(sms).toMatchObject(countSms(sms.text));
          expectOnlyWholeTokens(
            sms.text,
            [subject, ...paragraphs, ...fields.map((f) => `${f.label}: ${f.value}`), ACK].join(' '),
          );
          if (countSms(ACK).segments <= (maxSegments ?? 99) && ACK.length <= maxLength) {
            expect(sms.text).toContain(ACK);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('fitSmsText', () => {
  test('keeps earlier lines over later ones and cuts the crossing line between words', () => {
    const fitted = fitSmsText('First line stays.\nSecond line is long and gets cut here\nThird goes', {
      maxLength: 40,
    });
    expect(fitted.text).toBe('First line stays.\nSecond line is long...');
  });

  test('text already within limits is unchanged', () => {
    expect(fitSmsText('Checkout failing').text).toBe('Checkout failing');
  });
});
