import { ACTIONS } from '../../src/slack/ids';
import { isAllowed, requireAllowed } from '../../src/slack/permissions';
import { incidentMessage } from '../../src/slack/views/incident-message';
import { threadLine } from '../../src/slack/views/thread-line';
import { event, exampleConfig, incident, T0 } from './fixtures';

const file = exampleConfig().file;

describe('permissions from slack.permissions (herald.example.yml: resolve = [platform, U0DANA001])', () => {
  test.each([
    ['U0ALICE01', 'resolve', true], // platform member (alice)
    ['U0BOB0001', 'resolve', true], // platform member (bob)
    ['U0DANA001', 'resolve', true], // listed by Slack user ID
    ['U0CAROL01', 'resolve', false], // known person, not in platform
    ['U0STRANGER', 'resolve', false], // unknown to config
    ['U0STRANGER', 'declare', true], // everyone
    ['U0CAROL01', 'escalate', true],
    ['U0STRANGER', 'update', true], // default everyone
    ['U0STRANGER', 'acknowledge', true], // default everyone
    ['U0STRANGER', 'publish', false], // default owners + oncall
    ['U0CAROL01', 'override', false],
    ['U0CAROL01', 'maintenance', false],
  ] as const)('%s may %s: %s', (user, action, allowed) => {
    expect(isAllowed(file, action, user)).toBe(allowed);
  });

  test('owners means the owner groups of the services concerned; oncall whoever is on call', () => {
    // checkout is owned by platform (alice, bob); no service concerned: owners is nobody.
    expect(isAllowed(file, 'publish', 'U0ALICE01', { services: ['checkout'] })).toBe(true);
    expect(isAllowed(file, 'publish', 'U0ALICE01', { services: [] })).toBe(false);
    expect(isAllowed(file, 'publish', 'U0CAROL01', { services: ['checkout'] })).toBe(false);
    expect(isAllowed(file, 'publish', 'U0CAROL01', { onCall: new Set(['carol']) })).toBe(true);
    expect(isAllowed(file, 'override', 'U0DANA001', { onCall: new Set(['carol']) })).toBe(false);
  });

  test('a refusal is a Forbidden error naming who may', () => {
    expect(() => requireAllowed(file, 'resolve', 'U0CAROL01')).toThrow(
      expect.objectContaining({
        code: 'Forbidden',
        message:
          'You are not allowed to resolve incidents: that needs the “resolve” permission (slack.permissions.resolve: Platform team, <@U0DANA001>).',
      }),
    );
  });
});

describe('the incident message', () => {
  const now = T0.plus({ minutes: 65 });

  test('Publish button and a visibility line while not public; none once published or private', () => {
    const ids = (i: ReturnType<typeof incident>) =>
      JSON.stringify(incidentMessage(i, { now, serviceNames: [] }).attachments[0]!.blocks);
    const unpublished = ids(incident({ published: false }));
    expect(unpublished).toContain(ACTIONS.publish);
    expect(unpublished).toContain('Not on the status page');
    const published = ids(incident({ published: true, publicTitle: 'Checkout is slow' }));
    expect(published).not.toContain(ACTIONS.publish);
    expect(published).toContain('On the status page as “Checkout is slow”');
    const hidden = ids(incident({ published: false, private: true }));
    expect(hidden).not.toContain(ACTIONS.publish);
    expect(hidden).toContain('Private: never on the status page');
  });

  test('open: severity colour and emoji, fields, four buttons carrying the ref', () => {
    const m = incidentMessage(incident(), { now, serviceNames: ['Checkout'] });
    const att = m.attachments[0]!;
    expect(att.color).toBe('#E01E5A');
    const json = JSON.stringify(att.blocks);
    for (const s of [
      ':red_circle: Critical',
      'Investigating',
      'Checkout',
      '<@U0ALICE01>',
      'open for 1 h 5 min',
      'Not acknowledged',
      'Customers cannot complete purchases',
    ]) {
      expect(json).toContain(s);
    }
    const actions = att.blocks!.find((b) => b.type === 'actions') as {
      elements: Array<{ action_id: string; value: string; text: { text: string } }>;
    };
    expect(actions.elements.map((e) => [e.action_id, e.text.text, e.value])).toEqual([
      [ACTIONS.acknowledge, 'Acknowledge', 'INC-4'],
      [ACTIONS.update, 'Update', 'INC-4'],
      [ACTIONS.resolve, 'Resolve', 'INC-4'],
      [ACTIONS.escalate, 'Escalate', 'INC-4'],
    ]);
  });

  test('acknowledged, then resolved: who acknowledged, green, no buttons, root cause', () => {
    const acked = incidentMessage(
      incident({ acknowledgedBy: 'slack:U0BOB0001', acknowledgedAt: T0.plus({ minutes: 3 }) }),
      { now, serviceNames: [] },
    );
    expect(JSON.stringify(acked.attachments)).toContain(':eyes: <@U0BOB0001>');
    const done = incidentMessage(
      incident({ status: 'resolved', resolvedAt: T0.plus({ minutes: 90 }), rootCause: 'Expired <cert>' }),
      { now, serviceNames: [] },
    );
    expect(done.attachments[0]!.color).toBe('#2EB67D');
    expect(done.attachments[0]!.blocks!.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(done.attachments)).toContain('lasted 1 h 30 min');
    expect(JSON.stringify(done.attachments)).toContain('Expired &lt;cert&gt;');
  });

  test('typed text is escaped in every mrkdwn field and the notification text', () => {
    const evil = incident({
      title: '<!channel> down',
      impact: '<https://evil|click> & <@U123>',
      description: '<!here>',
    });
    const m = incidentMessage(evil, { now, serviceNames: ['<!everyone>'] });
    const mrkdwnTexts = JSON.stringify(m).match(/"type":"mrkdwn","text":"[^"]*"/g) ?? [];
    expect(mrkdwnTexts.join(' ')).not.toMatch(/<!(channel|here|everyone)>|<https:\/\/evil|<@U123>/);
    expect(m.text).toContain('&lt;!channel&gt; down');
  });
});

describe('thread lines', () => {
  test.each([
    [event({ kind: 'declared' }), null],
    [event({ kind: 'acknowledged', actor: 'slack:U0BOB0001' }), ':eyes: Acknowledged by <@U0BOB0001>'],
    [event({ kind: 'escalated', actor: 'escalation' }), ':rotating_light: Escalated by escalation'],
    [
      event({
        kind: 'status_changed',
        actor: 'api:ci',
        message: 'Found it <!here>',
        changes: [{ field: 'status', from: 'investigating', to: 'identified' }],
      }),
      ':memo: Update from ci (API) (status Investigating → Identified): Found it &lt;!here&gt;',
    ],
    [
      event({ kind: 'updated', actor: 'api', message: 'Still looking', changes: [] }),
      ':memo: Update from the API: Still looking',
    ],
  ])('%#', (e, line) => {
    expect(threadLine(incident(), e)).toBe(line);
  });

  test('resolution carries its summary and root cause', () => {
    const line = threadLine(
      incident({ status: 'resolved', rootCause: 'Expired cert' }),
      event({ kind: 'resolved', message: 'Rolled back' }),
    );
    expect(line).toBe(':white_check_mark: Resolved by <@U0ALICE01>: Rolled back\n*Root cause:* Expired cert');
  });
});
