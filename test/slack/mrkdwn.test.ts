import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  actorText,
  dateToken,
  link,
  mention,
  mrkdwn,
  plain,
  truncate,
  unescapeMrkdwn,
} from '../../src/slack/mrkdwn';

/** Typed text that would be markup if it reached Slack unescaped. */
const CORPUS: ReadonlyArray<[string, string]> = [
  ['<!channel>', '&lt;!channel&gt;'],
  ['<!here> wake up', '&lt;!here&gt; wake up'],
  ['<!everyone>', '&lt;!everyone&gt;'],
  ['<!subteam^S0PLATFORM>', '&lt;!subteam^S0PLATFORM&gt;'],
  ['ping <@U123>', 'ping &lt;@U123&gt;'],
  ['<#C0INCIDENTS>', '&lt;#C0INCIDENTS&gt;'],
  ['<https://evil.example|click here>', '&lt;https://evil.example|click here&gt;'],
  ['<mailto:x@evil.example|support>', '&lt;mailto:x@evil.example|support&gt;'],
  ['&lt;!channel&gt;', '&amp;lt;!channel&amp;gt;'],
  ['a & b', 'a &amp; b'],
  ['*bold* _it_ ~s~ `code`', '*bold* _it_ ~s~ `code`'],
  ['<!date^1392734382^{date}|x>', '&lt;!date^1392734382^{date}|x&gt;'],
  ['>quote', '&gt;quote'],
];

describe('mrkdwn: the one escaper for typed text', () => {
  test.each(CORPUS)('%s is shown, not interpreted', (typed, escaped) => {
    expect(mrkdwn(typed)).toBe(escaped);
  });

  test('no typed text can produce an angle bracket (every Slack control sequence starts with <)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
        const out = mrkdwn(s);
        expect(out).not.toMatch(/[<>]/);
        expect(unescapeMrkdwn(out)).toBe(s); // and the reader sees exactly what was typed
      }),
    );
  });

  test('truncation happens before escaping, never splitting an entity or an emoji', () => {
    expect(mrkdwn('&&&&', 3)).toBe('&amp;&amp;…');
    expect(truncate('😀😀😀', 2)).toBe('😀…');
    expect(plain('  many\n\nlines  ', 10)).toBe('many lines');
    expect(plain('', 10)).toBe('-');
  });
});

describe('Herald-built markup validates what it wraps', () => {
  test('mentions only for well-formed user ids', () => {
    expect(mention('U0ALICE01')).toBe('<@U0ALICE01>');
    expect(mention('<!channel>')).toBe('&lt;!channel&gt;');
    expect(mention('U1|x>')).toBe('U1|x&gt;');
  });

  test('actors: slack users are mentioned, everything else is escaped text', () => {
    expect(actorText('slack:U0ALICE01')).toBe('<@U0ALICE01>');
    expect(actorText('slack:<!here>')).toBe('slack:&lt;!here&gt;');
    expect(actorText('api')).toBe('the API');
    expect(actorText('api:<!channel>')).toBe('&lt;!channel&gt; (API)');
    expect(actorText('escalation')).toBe('escalation');
  });

  test('links: only http(s), label escaped, URL cannot end the token early', () => {
    expect(link('https://status.example.com/', 'status <page>')).toBe(
      '<https://status.example.com/|status &lt;page&gt;>',
    );
    expect(link('https://x.example/a|b>c', 'x')).toBe('<https://x.example/a%7Cb%3Ec|x>');
    expect(link('javascript:alert(1)', 'click')).toBe('click');
    expect(link('not a url', '<!here>')).toBe('&lt;!here&gt;');
  });

  test('date tokens carry a UTC fallback', () => {
    const at = DateTime.fromISO('2026-03-01T09:30:00Z', { zone: 'utc' });
    expect(dateToken(at, '{time}')).toBe(`<!date^${at.toSeconds()}^{time}|2026-03-01 09:30 UTC>`);
  });
});
