import fs from 'node:fs';
import { DateTime } from 'luxon';
import { parseConfigText, type HeraldFile } from '../../src/config';
import { coverageWarnings } from '../../src/escalation/coverage';

const load = (yaml: string): HeraldFile => parseConfigText(yaml, {}).file;

const base = `
people:
  - { id: ann, name: Ann, slack_user_id: U0ANN }
  - { id: ben, name: Ben, slack_user_id: U0BEN }
  - { id: mute, name: Mute }
groups:
  - { id: ops, members: [ann, ben] }
schedules:
  - id: primary
    timezone: Europe/London
    layers:
      - name: days
        members: [ann, ben]
        rotation: weekly
        handoff: '09:00'
        start: '2026-11-30'
        restrict: { start: '09:00', end: '18:00' }
  - id: full
    layers:
      - { name: all, members: [ann], rotation: daily, start: '2026-01-01' }
  - id: future
    layers:
      - { name: later, members: [ben], rotation: daily, start: '2026-12-10' }
  - id: layered
    timezone: Europe/London
    layers:
      - { name: all, members: [ben], rotation: weekly, start: '2026-01-05' }
      - name: days
        members: [ann]
        rotation: daily
        start: '2026-01-05'
        restrict: { days: [mon, tue, wed, thu, fri], start: '09:00', end: '17:00' }
`;

const from = DateTime.fromISO('2026-12-05T10:00:00Z', { zone: 'utc' }); // a Saturday, GMT

describe('coverageWarnings', () => {
  test('a restricted schedule leaves nights uncovered: first gap, how often, and why', () => {
    const file = load(`${base}
escalation_policies:
  - id: p
    levels:
      - targets: [{ group: ops }]
      - delay_minutes: 10
        targets: [{ schedule: primary }]
`);
    expect(coverageWarnings(file, from)).toEqual([
      'escalation_policies[0].levels[1]: resolves to nobody on 2026-12-05 18:00–09:00 Europe/London and 13 more times until 2026-12-19 09:00 (schedule "primary" has no one on call)',
    ]);
  });

  test('a gap longer than a day, a person with no channel; times in UTC without a schedule', () => {
    const file = load(`${base}
escalation_policies:
  - id: ok
    levels: [{ targets: [{ schedule: full }] }]
  - id: p
    levels:
      - targets: [{ schedule: future }]
      - targets: [{ person: mute }]
`);
    expect(coverageWarnings(file, from)).toEqual([
      'escalation_policies[1].levels[0]: resolves to nobody from 2026-12-05 10:00 to 2026-12-10 00:00 UTC (schedule "future" has no one on call)',
      'escalation_policies[1].levels[1]: resolves to nobody from 2026-12-05 10:00 to 2026-12-19 10:00 UTC (no contact channel for "mute")',
    ]);
  });

  test('the window length is a parameter', () => {
    const file = load(`${base}
escalation_policies:
  - id: p
    levels: [{ targets: [{ schedule: future }] }]
`);
    expect(coverageWarnings(file, from, 2)).toEqual([
      'escalation_policies[0].levels[0]: resolves to nobody from 2026-12-05 10:00 to 2026-12-07 10:00 UTC (schedule "future" has no one on call)',
    ]);
    expect(coverageWarnings(file, DateTime.fromISO('2026-12-10T00:00:00Z'))).toEqual([]);
  });

  test('no warning when a Slack channel, another target or a lower layer covers the gaps', () => {
    const file = load(`${base}
escalation_policies:
  - id: p
    levels:
      - targets: [{ schedule: primary }, { slack_channel: C0OPS }]
      - targets: [{ schedule: primary }, { schedule: full }]
      - targets: [{ schedule: layered }]
`);
    expect(coverageWarnings(file, from)).toEqual([]);
  });

  test('an override that fills the only gap silences the warning', () => {
    const file = load(`${base.replace(
      "start: '2026-12-10' }",
      "start: '2026-12-10' }\n    overrides: [{ person: ann, start: '2026-12-01T00:00:00Z', end: '2026-12-10T00:00:00Z' }]",
    )}
escalation_policies:
  - id: p
    levels: [{ targets: [{ schedule: future }] }]
`);
    expect(coverageWarnings(file, from)).toEqual([]);
  });

  test('the shipped example is fully covered', () => {
    const { file } = parseConfigText(fs.readFileSync('herald.example.yml', 'utf8'), {});
    expect(coverageWarnings(file, DateTime.fromISO('2026-03-20T00:00:00Z'))).toEqual([]); // spans the DST change
  });
});
