import { parseCommand, usageText } from '../../src/slack/listeners/commands/parse';
import { parseDeclare, parseResolve, parseUpdate } from '../../src/slack/listeners/views/state';
import { slackSettings } from '../../src/slack/settings';

describe('/incident text', () => {
  test.each([
    ['', { kind: 'declare', title: '' }],
    ['declare', { kind: 'declare', title: '' }],
    ['declare   Checkout is   failing ', { kind: 'declare', title: 'Checkout is   failing' }],
    ['DECLARE x', { kind: 'declare', title: 'x' }],
    ['update INC-7', { kind: 'update', ref: 'INC-7' }],
    ['ack inc-12', { kind: 'ack', ref: 'INC-12' }],
    ['acknowledge 3', { kind: 'ack', ref: 'INC-3' }],
    ['resolve INC-007', { kind: 'resolve', ref: 'INC-7' }],
    ['status INC-1', { kind: 'status', ref: 'INC-1' }],
    ['escalate INC-2', { kind: 'escalate', ref: 'INC-2' }],
    ['list', { kind: 'list' }],
    ['oncall', { kind: 'oncall' }],
    ['help', { kind: 'help' }],
  ])('%j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  test.each([
    ['ack', '`ack` needs an incident reference'],
    ['update', '`update` needs an incident reference'],
    ['resolve INC-x', 'is not an incident reference'],
    ['frobnicate', 'Unknown subcommand “frobnicate”'],
    ['<!channel>', 'Unknown subcommand “&lt;!channel&gt;”'],
  ])('%j gets usage help saying why', (text, why) => {
    const parsed = parseCommand(text);
    expect(parsed.kind).toBe('usage');
    expect(parsed.kind === 'usage' && parsed.problem).toContain(why);
    expect(usageText(parsed.kind === 'usage' ? parsed.problem : undefined)).toContain('/incident list');
  });
});

describe('modal submissions', () => {
  const v = (value: string | null) => ({ value: { type: 'plain_text_input', value } });
  const sel = (value: string | null) => ({
    value: {
      type: 'static_select',
      selected_option: value === null ? null : { value, text: { type: 'plain_text' as const, text: value } },
    },
  });

  test('declare: valid input is trimmed and typed', () => {
    const parsed = parseDeclare(
      {
        title: v('  Checkout down '),
        severity: sel('high'),
        services: {
          value: {
            type: 'multi_static_select',
            selected_options: [{ value: 'checkout', text: { type: 'plain_text', text: 'c' } }],
          },
        },
        description: v(''),
        impact: v('Orders fail'),
      },
      ['checkout'],
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        title: 'Checkout down',
        severity: 'high',
        services: ['checkout'],
        description: undefined,
        impact: 'Orders fail',
      },
    });
  });

  test('declare: errors are keyed by the block they belong to', () => {
    const parsed = parseDeclare(
      {
        title: v('   '),
        severity: sel(null),
        services: {
          value: {
            type: 'multi_static_select',
            selected_options: [{ value: 'nope', text: { type: 'plain_text', text: 'n' } }],
          },
        },
        impact: v('x'.repeat(2001)),
      },
      ['checkout'],
    );
    expect(parsed).toEqual({
      ok: false,
      errors: {
        title: 'Give the incident a title',
        severity: 'Choose a severity',
        services: 'Unknown service',
        impact: 'At most 2000 characters',
      },
    });
  });

  test('update and resolve require their message', () => {
    expect(parseUpdate({ status: sel('identified'), message: v(null) })).toEqual({
      ok: false,
      errors: { message: 'Write what changed' },
    });
    expect(parseUpdate({ status: sel('resolved'), message: v('x') })).toMatchObject({
      ok: false,
      errors: { status: 'Choose a status' },
    });
    expect(parseResolve({ summary: v('Rolled back'), root_cause: v(' ') })).toEqual({
      ok: true,
      value: { summary: 'Rolled back', root_cause: undefined },
    });
  });
});

describe('when Slack is on', () => {
  const base = { apiUrl: 'https://slack.com/api/' };
  test('bot token + signing secret: HTTP; bot token + app token: Socket Mode (wins)', () => {
    expect(slackSettings({ ...base, botToken: 'xoxb', signingSecret: 's' }).mode).toBe('http');
    expect(slackSettings({ ...base, botToken: 'xoxb', appToken: 'xapp', signingSecret: 's' }).mode).toBe(
      'socket',
    );
  });
  test.each([
    [
      {},
      'Slack off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP), or SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) to turn it on',
    ],
    [{ botToken: 'xoxb' }, 'neither SLACK_SIGNING_SECRET (HTTP) nor SLACK_APP_TOKEN (Socket Mode)'],
    [{ signingSecret: 's' }, 'SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not'],
    [{ appToken: 'xapp' }, 'SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not'],
  ])('%j: off, saying which variables to set', (env, reason) => {
    const s = slackSettings({ ...base, ...env });
    expect(s.mode).toBe('off');
    expect(s.mode === 'off' && s.reason).toContain(reason);
  });
});
