import { DateTime } from 'luxon';
import {
  assertCanAcknowledge,
  assertCanReopen,
  assertTransition,
  diff,
  parseRef,
  STATUSES,
  type Incident,
  type Status,
} from '../../src/incidents/incident';
import { HeraldError } from '../../src/common/errors';

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof HeraldError ? e.code : 'not-coded';
  }
}

const incident = (status: Status, acknowledged = false): Incident => ({
  id: 7,
  ref: 'INC-7',
  title: 't',
  description: '',
  severity: 'high',
  status,
  services: [],
  impact: '',
  rootCause: null,
  resolutionSteps: null,
  commander: null,
  acknowledgedBy: acknowledged ? 'U1' : null,
  acknowledgedAt: acknowledged ? DateTime.utc() : null,
  startedAt: DateTime.utc(),
  resolvedAt: status === 'resolved' ? DateTime.utc() : null,
  createdBy: 'api',
  source: 'api',
  publicTitle: 't',
  published: true,
  publishedAt: null,
  publishedBy: null,
  private: false,
  version: 1,
  updatedAt: DateTime.utc(),
});

describe('state machine', () => {
  const open = STATUSES.filter((s) => s !== 'resolved');

  it.each(open.flatMap((from) => STATUSES.filter((to) => to !== from).map((to) => [from, to] as const)))(
    'allows %s → %s',
    (from, to) => {
      expect(codeOf(() => assertTransition(from, to))).toBeUndefined();
    },
  );

  it.each(STATUSES.map((s) => [s]))('refuses %s → itself', (s) => {
    expect(codeOf(() => assertTransition(s, s))).toBe('InvalidTransition');
  });

  it.each(open.map((to) => [to]))('refuses resolved → %s (reopen first)', (to) => {
    expect(codeOf(() => assertTransition('resolved', to))).toBe('InvalidTransition');
  });

  it('acknowledging a resolved incident is an invalid transition', () => {
    expect(codeOf(() => assertCanAcknowledge(incident('resolved')))).toBe('InvalidTransition');
    expect(codeOf(() => assertCanAcknowledge(incident('monitoring', true)))).toBeUndefined();
  });

  it('only a resolved incident can be reopened', () => {
    expect(codeOf(() => assertCanReopen(incident('resolved')))).toBeUndefined();
    expect(codeOf(() => assertCanReopen(incident('identified')))).toBe('InvalidTransition');
  });
});

describe('parseRef', () => {
  it.each([
    ['INC-12', 12],
    ['inc-12', 12],
    [' INC-3 ', 3],
    ['42', 42],
  ])('reads %p as %p', (input, id) => {
    expect(parseRef(input)).toBe(id);
  });

  it.each(['INC-', 'INC-x', 'INC-1; drop table incidents', '', 'INC-12345678901'])('refuses %p', (input) => {
    expect(codeOf(() => parseRef(input))).toBe('Validation');
  });
});

describe('diff', () => {
  it('lists only the fields that changed, rendered as text', () => {
    expect(
      diff(
        { status: 'investigating', severity: 'high', services: ['a'], title: 'x' },
        { status: 'identified', severity: 'high', services: ['a', 'b'] },
      ),
    ).toEqual([
      { field: 'status', from: 'investigating', to: 'identified' },
      { field: 'services', from: 'a', to: 'a, b' },
    ]);
  });

  it('renders null and missing alike', () => {
    expect(diff({ commander: null }, { commander: undefined })).toEqual([]);
    expect(diff({ commander: null }, { commander: 'U1' })).toEqual([
      { field: 'commander', from: null, to: 'U1' },
    ]);
  });
});
