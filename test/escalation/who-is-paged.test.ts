import fs from 'node:fs';
import { DateTime } from 'luxon';
import { parseConfigText, type HeraldFile } from '../../src/config';
import { parseWhoIsPagedArgs, whoIsPaged, WHO_IS_PAGED_USAGE } from '../../src/escalation/who-is-paged';
import { HeraldError } from '../../src/common/errors';

const example: HeraldFile = parseConfigText(fs.readFileSync('herald.example.yml', 'utf8'), {}).file;
const at = (iso: string): DateTime => DateTime.fromISO(iso, { setZone: true });

describe('whoIsPaged on the shipped herald.example.yml', () => {
  test('a critical api incident: the rule picks the policy, every level and round with minute and channels', () => {
    expect(
      whoIsPaged(example, { severity: 'critical', service: 'api', at: at('2026-03-02T10:00:00Z') }),
    ).toBe(
      [
        'Dry run: a critical incident on service "api", declared 2026-03-02 10:00 UTC.',
        'Escalation policy "default" (Default), chosen by rule "technical-high" (rules[0]); runs 2 times (repeat 1).',
        '',
        'minute  at                    level  round  who                    channels       via',
        '0       2026-03-02 10:00 UTC  0      1/2    Alice Example (alice)  slack, sms     schedule "primary" (layer weekly)',
        '15      2026-03-02 10:15 UTC  1      1/2    Alice Example (alice)  slack          group "platform"',
        '15      2026-03-02 10:15 UTC  1      1/2    Bob Example (bob)      slack          group "platform"',
        '15      2026-03-02 10:15 UTC  1      1/2    #C0INCIDENTS           slack_channel  slack_channel target',
        '30      2026-03-02 10:30 UTC  0      2/2    Alice Example (alice)  slack, sms     schedule "primary" (layer weekly)',
        '45      2026-03-02 10:45 UTC  1      2/2    Alice Example (alice)  slack          group "platform"',
        '45      2026-03-02 10:45 UTC  1      2/2    Bob Example (bob)      slack          group "platform"',
        '45      2026-03-02 10:45 UTC  1      2/2    #C0INCIDENTS           slack_channel  slack_channel target',
        '',
        'Paging stops as soon as someone acknowledges.',
        'Once acknowledged, a reminder is posted after 30 minutes without an update.',
        '',
      ].join('\n'),
    );
  });

  test('the next week bob is on call; times are shown in the offset --at was given in', () => {
    const out = whoIsPaged(example, {
      severity: 'high',
      service: 'checkout',
      at: at('2026-03-09T10:00:00+01:00'),
    });
    expect(out).toContain('declared 2026-03-09 10:00 UTC+1.');
    expect(out).toContain(
      '0       2026-03-09 10:00 UTC+1  0      1/2    Bob Example (bob)      slack, sms     schedule "primary" (layer weekly)',
    );
  });

  test('a config override is named as the reason', () => {
    const out = whoIsPaged(example, { severity: 'critical', at: at('2026-02-01T12:00:00Z') });
    expect(out).toContain('Bob Example (bob)      slack, sms     schedule "primary" (config override)');
  });

  test('a medium incident: no rule names a policy, so the service’s is used', () => {
    const out = whoIsPaged(example, {
      severity: 'medium',
      service: 'website',
      at: at('2026-03-02T10:00:00Z'),
    });
    expect(out).toContain(
      'Escalation policy "default" (Default), chosen by service "website" (no matching rule names a policy); runs 2 times (repeat 1).',
    );
  });

  test('no policy at all says so', () => {
    expect(whoIsPaged(example, { severity: 'low', at: at('2026-03-02T10:00:00Z') })).toBe(
      [
        'Dry run: a low incident, declared 2026-03-02 10:00 UTC.',
        'No escalation policy: no rule matching a low declaration names one, and no service was given.',
        'Notification rules still apply; nothing escalates.',
        '',
      ].join('\n'),
    );
  });

  test('before the schedule starts, level 0 shows nobody and why', () => {
    const out = whoIsPaged(example, { severity: 'critical', service: 'api', at: at('2025-12-01T10:00:00Z') });
    expect(out).toContain(
      '0       2025-12-01 10:00 UTC  0      1/2    (nobody)               -              schedule "primary" has no one on call',
    );
  });

  test('an unknown service is a validation error listing the known ones', () => {
    expect(() =>
      whoIsPaged(example, { severity: 'high', service: 'payments', at: at('2026-03-02T10:00:00Z') }),
    ).toThrow(
      new HeraldError('Validation', 'unknown service "payments" (expected one of: api, checkout, website)'),
    );
  });
});

describe('parseWhoIsPagedArgs', () => {
  test('reads --flag value and --flag=value', () => {
    const args = parseWhoIsPagedArgs([
      '--severity',
      'high',
      '--service=api',
      '--at',
      '2026-03-02T10:00:00+01:00',
    ]);
    expect(args.severity).toBe('high');
    expect(args.service).toBe('api');
    expect(args.at?.toISO()).toBe('2026-03-02T10:00:00.000+01:00');
    expect(parseWhoIsPagedArgs(['--severity=info'])).toEqual({ severity: 'info' });
  });

  const problem = (argv: string[]): string => {
    try {
      parseWhoIsPagedArgs(argv);
    } catch (err) {
      if (err instanceof HeraldError && err.code === 'Validation') return err.message;
      throw err;
    }
    throw new Error('expected the arguments to be rejected');
  };

  test.each([
    [[], '--severity is required'],
    [
      ['--severity', 'urgent'],
      'unknown severity "urgent" (expected one of: critical, high, medium, low, info)',
    ],
    [['--severity'], '--severity needs a value'],
    [['--severity', '--service', 'api'], '--severity needs a value'],
    [['--severity', 'high', '--severity', 'low'], '--severity given twice'],
    [['--severity', 'high', '--sevice', 'api'], 'unknown option "--sevice"'],
    [['--severity', 'high', 'api'], 'unexpected argument "api"'],
    [
      ['--severity', 'high', '--at', '2026-03-02T10:00'],
      '--at: expected an ISO date-time with offset like 2026-03-02T10:00:00Z, got "2026-03-02T10:00"',
    ],
    [
      ['--severity', 'high', '--at', 'tomorrow'],
      '--at: expected an ISO date-time with offset like 2026-03-02T10:00:00Z, got "tomorrow"',
    ],
  ])('%j is refused: %s', (argv, message) => {
    expect(problem(argv)).toBe(`${message}\n${WHO_IS_PAGED_USAGE}`);
  });
});
