import { DateTime } from 'luxon';
import { parseConfigText, type EscalationPolicy, type HeraldFile } from '../../src/config';
import {
  describeVia,
  escalationTimeline,
  firstStep,
  levelTargets,
  nextStep,
  policySelection,
  reachesNobody,
  repeatDelayMinutes,
  selectPolicy,
  type Step,
} from '../../src/escalation/policy';

const people = `
people:
  - { id: ann, name: Ann, slack_user_id: U0ANN, email: ann@example.com, phone: '+15555550001' }
  - { id: ben, name: Ben, slack_user_id: U0BEN, email: ben@example.com }
  - { id: cat, name: Cat, email: cat@example.com, phone: '+15555550003', contact_order: [email, sms] }
  - { id: dan, name: Dan, phone: '+15555550004' }
groups:
  - { id: ops, members: [ann, ben] }
schedules:
  - id: primary
    timezone: UTC
    layers:
      - { name: daily, members: [ann, cat], rotation: daily, handoff: '09:00', start: '2026-01-01' }
  - id: nights
    timezone: UTC
    layers:
      - name: nights
        members: [dan]
        rotation: weekly
        start: '2026-01-01'
        restrict: { start: '20:00', end: '08:00' }
`;

function load(yaml: string): HeraldFile {
  return parseConfigText(yaml, {}).file;
}

const utc = (iso: string): DateTime => DateTime.fromISO(iso, { zone: 'utc' });

describe('policy selection', () => {
  const file = load(`
services:
  - { id: api, escalation_policy: svc-api }
  - { id: web }
  - { id: db, escalation_policy: svc-db }
escalation_policies:
  - { id: svc-api, levels: [{ targets: [{ slack_channel: C0A }] }] }
  - { id: svc-db, levels: [{ targets: [{ slack_channel: C0B }] }] }
  - { id: sev, levels: [{ targets: [{ slack_channel: C0C }] }] }
  - { id: web-only, levels: [{ targets: [{ slack_channel: C0D }] }] }
  - { id: late, levels: [{ targets: [{ slack_channel: C0E }] }] }
rules:
  - { name: no-policy, when: { severity_at_least: info }, notify: { channels: [console] } }
  - { name: resolved-only, when: { events: [resolved] }, notify: { channels: [console] }, escalation_policy: late }
  - { name: web, when: { services: [web], severity: [low] }, notify: { channels: [console] }, escalation_policy: web-only }
  - { name: sev, when: { severity_at_least: high }, notify: { channels: [console] }, escalation_policy: sev }
  - { name: catch-all, notify: { channels: [console] }, escalation_policy: late }
`);

  test('the first matching rule that names a policy wins over the services', () => {
    expect(policySelection(file, { severity: 'critical', services: ['api'] })).toMatchObject({
      policy: { id: 'sev' },
      reason: { kind: 'rule', ruleIndex: 3, ruleName: 'sev' },
    });
    expect(selectPolicy(file, { severity: 'low', services: ['web'] })?.id).toBe('web-only');
  });

  test('rules without a policy, or not matching a declaration, are skipped', () => {
    // resolved-only names a policy but does not react to declarations; catch-all does.
    expect(selectPolicy(file, { severity: 'medium', services: [] })?.id).toBe('late');
  });

  test('without a matching rule: the first of the incident services that names a policy', () => {
    const noCatchAll: HeraldFile = { ...file, rules: file.rules.slice(0, 4) };
    expect(policySelection(noCatchAll, { severity: 'medium', services: ['web', 'db', 'api'] })).toMatchObject(
      {
        policy: { id: 'svc-db' },
        reason: { kind: 'service', serviceId: 'db' },
      },
    );
    expect(selectPolicy(noCatchAll, { severity: 'medium', services: ['web'] })).toBeUndefined();
    expect(selectPolicy(noCatchAll, { severity: 'low', services: ['api', 'web'] })?.id).toBe('web-only');
  });
});

describe('levelTargets', () => {
  const file = load(`${people}
escalation_policies:
  - id: p
    levels:
      - targets: [{ schedule: primary }, { group: ops }, { slack_channel: C0OPS }, { slack_channel: C0OPS }]
        channels: [sms, slack]
      - targets: [{ person: cat }, { person: dan }, { person: ben }]
      - targets: [{ schedule: nights }, { slack_channel: C0NOC }]
        channels: [email]
`);
  const policy = file.escalationPolicies[0] as EscalationPolicy;

  test('groups expand, schedules resolve at the instant, people are deduplicated with every route', () => {
    const t = levelTargets(file, policy, 0, utc('2026-01-01T10:00')); // ann on call
    expect(t.people).toEqual([
      {
        personId: 'ann',
        channels: ['sms', 'slack'],
        via: [
          { kind: 'schedule', id: 'primary', source: { kind: 'layer', index: 0, name: 'daily' } },
          { kind: 'group', id: 'ops' },
        ],
      },
      { personId: 'ben', channels: ['slack'], via: [{ kind: 'group', id: 'ops' }] }, // no phone
    ]);
    expect(t.slackChannels).toEqual(['C0OPS']);
    expect(t.emptySchedules).toEqual([]);
    const next = levelTargets(file, policy, 0, utc('2026-01-02T09:00')); // cat's shift
    expect(next.people.map((p) => [p.personId, p.channels])).toEqual([
      ['cat', ['sms']], // has a phone but no Slack
      ['ann', ['sms', 'slack']],
      ['ben', ['slack']],
    ]);
  });

  test('a level without channels uses each person’s first contact_order entry', () => {
    const t = levelTargets(file, policy, 1, utc('2026-01-01T10:00'));
    expect(t.people.map((p) => [p.personId, p.channels])).toEqual([
      ['cat', ['email']], // explicit contact_order [email, sms]
      ['dan', ['sms']], // default order: slack, sms, email; dan has only a phone
      ['ben', ['slack']],
    ]);
  });

  test('a level whose channels a person cannot receive falls back to their first contact_order entry', () => {
    const t = levelTargets(file, policy, 2, utc('2026-01-01T22:00')); // dan on nights, email only level
    expect(t.people).toEqual([
      {
        personId: 'dan',
        channels: ['sms'],
        via: [{ kind: 'schedule', id: 'nights', source: { kind: 'layer', index: 0, name: 'nights' } }],
      },
    ]);
  });

  test('an empty schedule is reported; runtime overrides apply per schedule id', () => {
    const day = utc('2026-01-01T12:00');
    const empty = levelTargets(file, policy, 2, day);
    expect(empty).toEqual({ people: [], slackChannels: ['C0NOC'], emptySchedules: ['nights'] });
    expect(reachesNobody(empty)).toBe(false); // the Slack channel still hears it
    const overrides = {
      nights: [{ person: 'ben', start: '2026-01-01T11:00:00Z', end: '2026-01-01T13:00:00Z' }],
    };
    const covered = levelTargets(file, policy, 2, day, overrides);
    expect(covered.people).toEqual([
      {
        personId: 'ben',
        channels: ['email'],
        via: [{ kind: 'schedule', id: 'nights', source: { kind: 'override', origin: 'runtime' } }],
      },
    ]);
    expect(levelTargets(file, policy, 2, day, { primary: overrides.nights }).people).toEqual([]);
  });

  test('reachesNobody: no person with a channel and no Slack channel', () => {
    expect(reachesNobody({ people: [], slackChannels: [], emptySchedules: ['x'] })).toBe(true);
    expect(
      reachesNobody({
        people: [{ personId: 'x', channels: [], via: [] }],
        slackChannels: [],
        emptySchedules: [],
      }),
    ).toBe(true);
    expect(
      reachesNobody({
        people: [{ personId: 'x', channels: ['sms'], via: [] }],
        slackChannels: [],
        emptySchedules: [],
      }),
    ).toBe(false);
  });

  test('an unknown level index is a caller bug', () => {
    expect(() => levelTargets(file, policy, 3, utc('2026-01-01T12:00'))).toThrow(RangeError);
  });

  test('describeVia names the route for people to read', () => {
    expect(levelTargets(file, policy, 0, utc('2026-01-01T10:00')).people[0]?.via.map(describeVia)).toEqual([
      'schedule "primary" (layer daily)',
      'group "ops"',
    ]);
    expect(describeVia({ kind: 'person' })).toBe('named directly');
    expect(describeVia({ kind: 'schedule', id: 's', source: { kind: 'override', origin: 'config' } })).toBe(
      'schedule "s" (config override)',
    );
  });
});

describe('nextStep', () => {
  const policyWith = (delays: number[], repeat: number): EscalationPolicy => ({
    id: 'p',
    name: 'p',
    repeat,
    levels: delays.map((delayMinutes) => ({ delayMinutes, targets: [{ slackChannel: 'C0X' }] })),
  });

  const walk = (policy: EscalationPolicy): Step[] => {
    const steps: Step[] = [];
    for (let s: Step | null = firstStep(policy); s !== null; s = nextStep(policy, s)) steps.push(s);
    return steps;
  };

  test('levels in order, then the whole policy `repeat` more times, then null', () => {
    expect(walk(policyWith([0, 5, 10], 2))).toEqual([
      { level: 0, round: 0, delayMinutes: 0 },
      { level: 1, round: 0, delayMinutes: 5 },
      { level: 2, round: 0, delayMinutes: 10 },
      { level: 0, round: 1, delayMinutes: 10 }, // the last level gets as long as the one before it
      { level: 1, round: 1, delayMinutes: 5 },
      { level: 2, round: 1, delayMinutes: 10 },
      { level: 0, round: 2, delayMinutes: 10 },
      { level: 1, round: 2, delayMinutes: 5 },
      { level: 2, round: 2, delayMinutes: 10 },
    ]);
    expect(nextStep(policyWith([0, 5, 10], 2), { level: 2, round: 2 })).toBeNull();
  });

  test('repeat 0: exhausted after the last level; a delayed level 0 waits after declaration', () => {
    expect(walk(policyWith([3, 7], 0))).toEqual([
      { level: 0, round: 0, delayMinutes: 3 },
      { level: 1, round: 0, delayMinutes: 7 },
    ]);
    expect(nextStep(policyWith([3], 0), { level: 0, round: 0 })).toBeNull();
  });

  test('a one-level policy with delay 0 repeats no faster than once a minute', () => {
    expect(repeatDelayMinutes(policyWith([0], 3))).toBe(1);
    expect(nextStep(policyWith([0], 3), { level: 0, round: 1 })).toEqual({
      level: 0,
      round: 2,
      delayMinutes: 1,
    });
    expect(repeatDelayMinutes(policyWith([20], 1))).toBe(20);
  });
});

describe('escalationTimeline', () => {
  test('every step with its offset, due time and targets evaluated when it falls due', () => {
    const file = load(`${people}
escalation_policies:
  - id: p
    repeat: 1
    levels:
      - targets: [{ schedule: primary }]
      - delay_minutes: 30
        targets: [{ group: ops }]
`);
    const policy = file.escalationPolicies[0] as EscalationPolicy;
    // Declared 08:15: ann is on call until 09:00, then cat.
    const steps = escalationTimeline(file, policy, utc('2026-01-01T08:15').plus({ days: 1 }));
    expect(
      steps.map((s) => [
        s.level,
        s.round,
        s.offsetMinutes,
        s.at.toISO(),
        s.targets.people.map((p) => p.personId),
      ]),
    ).toEqual([
      [0, 0, 0, '2026-01-02T08:15:00.000Z', ['ann']],
      [1, 0, 30, '2026-01-02T08:45:00.000Z', ['ann', 'ben']],
      [0, 1, 60, '2026-01-02T09:15:00.000Z', ['cat']],
      [1, 1, 90, '2026-01-02T09:45:00.000Z', ['ann', 'ben']],
    ]);
  });
});
