import type { MessageContent } from '../../../src/notifications/render/content';

/** Text people (or attackers) type, as literal data; every renderer gets all of it. */
export const INJECTION = {
  script: '<script>alert(1)</script>',
  attribute: '"><img src=x onerror=alert(1)>',
  jsLink: 'javascript:alert(1)',
  dataLink: 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  slackBroadcast: '<!channel> <!here> <@U0ALICE> <https://evil.example|click me>',
  ampersand: 'R&D &amp; ops',
  emoji: 'Checkout down 🚨🔥 👩🏽‍💻',
  rtl: 'الدفع معطل — שלום',
  bidiSpoof: 'invoice\u202Efdp.exe',
  controls: 'line one\u0007\u001b[31mred\u0000\r\nline two',
  headerInjection: 'Checkout\r\nBcc: victim@example.com',
  long: `${'overflow '.repeat(1111)}end`, // 10,002 characters
} as const;

export const SAFE_LINK = { label: 'Acknowledge', url: 'https://herald.example/ack/INC-12?sig=a1b2&exp=99' };

/** A message whose every field carries hostile or awkward text. */
export function hostileContent(): MessageContent {
  return {
    subject: `[CRITICAL] INC-12 declared: ${INJECTION.headerInjection} ${INJECTION.script}`,
    headline: `Checkout ${INJECTION.attribute} ${INJECTION.slackBroadcast}`,
    paragraphs: [
      INJECTION.script,
      INJECTION.attribute,
      INJECTION.slackBroadcast,
      INJECTION.ampersand,
      INJECTION.emoji,
      INJECTION.rtl,
      INJECTION.bidiSpoof,
      INJECTION.controls,
      INJECTION.long,
    ],
    fields: [
      { label: `Status ${INJECTION.attribute}`, value: INJECTION.script },
      { label: 'Services', value: INJECTION.rtl },
    ],
    links: [
      SAFE_LINK,
      { label: 'Evil', url: INJECTION.jsLink },
      { label: 'Data', url: INJECTION.dataLink },
      { label: 'Relative', url: '/incidents/12' },
      { label: `Incident ${INJECTION.attribute}`, url: 'https://herald.example/incidents/INC-12' },
    ],
    severity: 'critical',
    footer: `You are on call for checkout. ${INJECTION.slackBroadcast}`,
  };
}

export const plainContent = (overrides: Partial<MessageContent> = {}): MessageContent => ({
  subject: '[CRITICAL] INC-12 declared: Checkout failing',
  headline: 'Checkout failing',
  paragraphs: ['Orders fail at payment for every customer.'],
  fields: [
    { label: 'Status', value: 'investigating' },
    { label: 'Services', value: 'checkout' },
  ],
  links: [SAFE_LINK],
  severity: 'critical',
  ...overrides,
});

/** Characters no rendering may contain: C0 controls (but \n), DEL, bidi embeddings/overrides/isolates. */
// eslint-disable-next-line no-control-regex
export const FORBIDDEN_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;
