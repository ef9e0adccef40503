import { DateTime } from 'luxon';
import {
  classify,
  decideGroup,
  decideIncident,
  mergeDeltas,
  planFacts,
  type GroupState,
  type IncidentState,
  type KnownAlert,
} from '../../src/ingest/grouping';
import { DEFAULT_POLICY, type AlertBatch, type IncomingAlert } from '../../src/ingest/types';

const now = DateTime.fromISO('2026-11-26T12:00:00Z', { zone: 'utc' });
const ago = (minutes: number) => now.minus({ minutes });
const policy = DEFAULT_POLICY; // flap 10 min, storm 100/min, storm updates every 60 s

const alert = (
  fingerprint: string,
  status: 'firing' | 'resolved' = 'firing',
  severity: IncomingAlert['severity'] = 'high',
): IncomingAlert => ({
  fingerprint,
  status,
  name: fingerprint,
  summary: fingerprint,
  labels: {},
  service: 'checkout',
  severity,
  startsAt: null,
  url: null,
});
const batch = (alerts: IncomingAlert[]): AlertBatch => ({
  integrationId: 'prom',
  autoResolve: true,
  groupKey: 'g',
  service: 'checkout',
  title: 't',
  alerts,
});
const firing = (incidentId: number | null): KnownAlert => ({
  status: 'firing',
  resolvedAt: null,
  incidentId,
});
const resolved = (minutesAgo: number, incidentId: number | null): KnownAlert => ({
  status: 'resolved',
  resolvedAt: ago(minutesAgo),
  incidentId,
});

describe('classify', () => {
  it.each([
    ['never seen, firing', undefined, 'firing', 'new'],
    ['firing, firing again (a repeat)', firing(1), 'firing', 'repeat'],
    ['resolved 3 min ago, firing (flapping)', resolved(3, 1), 'firing', 'refire'],
    ['resolved exactly 10 min ago, firing', resolved(10, 1), 'firing', 'refire'],
    ['resolved 11 min ago, firing (news again)', resolved(11, 1), 'firing', 'new'],
    ['firing, resolved', firing(1), 'resolved', 'resolve'],
    ['resolved, resolved again', resolved(1, 1), 'resolved', 'ignore'],
    ['never seen, resolved', undefined, 'resolved', 'ignore'],
  ] as const)('%s → %s', (_name, known, status, expected) => {
    expect(classify(known, status, now, policy)).toBe(expected);
  });
});

describe('planFacts', () => {
  it('counts new alerts as pending news, flapping ones as firing only, and resolutions against their incident', () => {
    const known = new Map<string, KnownAlert>([
      ['repeat', firing(7)],
      ['flap', resolved(2, 7)],
      ['old', resolved(60, 3)],
      ['gone', firing(5)],
    ]);
    const plan = planFacts(
      known,
      batch([
        alert('repeat'),
        alert('flap'),
        alert('old', 'firing', 'critical'),
        alert('fresh'),
        alert('gone', 'resolved'),
      ]),
      7,
      now,
      policy,
    );
    expect(plan.firing.map((f) => [f.alert.fingerprint, f.change])).toEqual([
      ['flap', 'refire'],
      ['old', 'new'],
      ['fresh', 'new'],
    ]);
    expect(plan.resolved).toEqual(['gone']);
    expect(plan.newCount).toBe(2);
    expect(Object.fromEntries(plan.deltas)).toEqual({
      7: { firing: 3, total: 2, pending: 2, pendingSeverity: 'critical', flapping: true },
      5: { firing: -1, total: 0, pending: 0, pendingSeverity: null, flapping: false },
    });
  });

  it('leaves alerts unbound (no counters) while the group has no open incident', () => {
    const plan = planFacts(new Map(), batch([alert('a'), alert('b')]), null, now, policy);
    expect(plan.firing).toHaveLength(2);
    expect(plan.deltas.size).toBe(0);
  });

  it('takes the last state when a fingerprint appears twice in one batch', () => {
    const plan = planFacts(
      new Map([['a', firing(1)]]),
      batch([alert('a'), alert('a', 'resolved')]),
      1,
      now,
      policy,
    );
    expect(plan.resolved).toEqual(['a']);
    expect(plan.firing).toEqual([]);
  });
});

describe('mergeDeltas', () => {
  it('sums the plans of one transaction per incident, in incident order', () => {
    const known = new Map<string, KnownAlert>([['x', firing(3)]]);
    const a = planFacts(
      new Map(),
      batch([alert('a', 'firing', 'low'), alert('b', 'firing', 'high')]),
      9,
      now,
      policy,
    );
    const b = planFacts(
      known,
      { ...batch([alert('c', 'firing', 'critical'), alert('x', 'resolved')]), groupKey: 'h' },
      9,
      now,
      policy,
    );
    expect(mergeDeltas([a, b])).toEqual([
      [3, { firing: -1, total: 0, pending: 0, pendingSeverity: null, flapping: false }],
      [9, { firing: 3, total: 3, pending: 3, pendingSeverity: 'critical', flapping: false }],
    ]);
  });
});

const group = (over: Partial<GroupState>): GroupState => ({
  incidentId: null,
  incidentOpen: false,
  incidentResolvedAt: null,
  unbound: 1,
  ownRate: 1,
  othersRate: 0,
  storm: { incidentId: null, open: false, resolvedAt: null },
  ...over,
});

describe('decideGroup', () => {
  it.each([
    ['nothing unbound', group({ unbound: 0 }), { kind: 'none' }],
    ['a new group', group({}), { kind: 'declare', storm: false }],
    [
      'its incident is open',
      group({ incidentId: 4, incidentOpen: true }),
      { kind: 'bind', incidentId: 4, storm: false },
    ],
    [
      'its incident resolved 5 min ago (flapping)',
      group({ incidentId: 4, incidentResolvedAt: ago(5) }),
      { kind: 'reopen', incidentId: 4, storm: false },
    ],
    [
      'its incident resolved an hour ago',
      group({ incidentId: 4, incidentResolvedAt: ago(60) }),
      { kind: 'declare', storm: false },
    ],
    [
      'one huge group alone is not a storm',
      group({ ownRate: 5000, othersRate: 0 }),
      { kind: 'declare', storm: false },
    ],
    ['exactly at the threshold', group({ ownRate: 1, othersRate: 99 }), { kind: 'declare', storm: false }],
    [
      'above it: the storm incident opens',
      group({ ownRate: 1, othersRate: 100 }),
      { kind: 'declare', storm: true },
    ],
    [
      'above it, storm incident open',
      group({ ownRate: 1, othersRate: 500, storm: { incidentId: 9, open: true, resolvedAt: null } }),
      { kind: 'bind', incidentId: 9, storm: true },
    ],
    [
      'above it, storm incident resolved 2 min ago',
      group({ ownRate: 1, othersRate: 500, storm: { incidentId: 9, open: false, resolvedAt: ago(2) } }),
      { kind: 'reopen', incidentId: 9, storm: true },
    ],
    [
      'a flapping group reopens its own incident even in a storm',
      group({ incidentId: 4, incidentResolvedAt: ago(1), othersRate: 500 }),
      { kind: 'reopen', incidentId: 4, storm: false },
    ],
  ] as const)('%s', (_name, state, expected) => {
    expect(decideGroup(state, now, policy)).toEqual(expected);
  });
});

const incident = (over: Partial<IncidentState>): IncidentState => ({
  id: 1,
  open: true,
  severity: 'high',
  firing: 2,
  total: 2,
  pending: 0,
  pendingSeverity: null,
  lastEventAt: ago(5),
  flapping: false,
  clearedAt: null,
  autoResolve: true,
  storm: false,
  serviceRate: 0,
  ...over,
});

describe('decideIncident', () => {
  it.each([
    ['quiet', incident({}), { kind: 'none' }],
    ['resolved already', incident({ open: false, firing: 0 }), { kind: 'none' }],
    ['every alert cleared', incident({ firing: 0 }), { kind: 'resolve' }],
    [
      'every alert cleared, auto-resolve off',
      incident({ firing: 0, autoResolve: false }),
      { kind: 'cleared' },
    ],
    [
      'cleared and noted already (a person owns it)',
      incident({ firing: 0, clearedAt: ago(30) }),
      { kind: 'none' },
    ],
    ['cleared while flapping', incident({ firing: 0, flapping: true }), { kind: 'mark-cleared' }],
    [
      'flapping, clear for 4 min',
      incident({ firing: 0, flapping: true, clearedAt: ago(4) }),
      { kind: 'none' },
    ],
    [
      'flapping, clear for 11 min',
      incident({ firing: 0, flapping: true, clearedAt: ago(11) }),
      { kind: 'resolve' },
    ],
    ['firing again after clearing', incident({ firing: 1, clearedAt: ago(1) }), { kind: 'unclear' }],
    ['more alerts', incident({ pending: 3 }), { kind: 'flush', count: 3, raiseTo: null }],
    [
      'more alerts, one more severe',
      incident({ pending: 3, pendingSeverity: 'critical' }),
      { kind: 'flush', count: 3, raiseTo: 'critical' },
    ],
    [
      'more alerts, less severe',
      incident({ pending: 3, pendingSeverity: 'low' }),
      { kind: 'flush', count: 3, raiseTo: null },
    ],
    [
      'storm incident, last update 30 s ago',
      incident({ pending: 40, storm: true, lastEventAt: now.minus({ seconds: 30 }) }),
      { kind: 'none' },
    ],
    [
      'storm incident, last update 60 s ago',
      incident({ pending: 40, storm: true, lastEventAt: now.minus({ seconds: 60 }) }),
      { kind: 'flush', count: 40, raiseTo: null },
    ],
    [
      'service in a storm, update 10 s ago',
      incident({ pending: 2, serviceRate: 101, lastEventAt: now.minus({ seconds: 10 }) }),
      { kind: 'none' },
    ],
    [
      'service calm, update 10 s ago',
      incident({ pending: 2, serviceRate: 100, lastEventAt: now.minus({ seconds: 10 }) }),
      { kind: 'flush', count: 2, raiseTo: null },
    ],
  ] as const)('%s', (_name, state, expected) => {
    expect(decideIncident(state, now, policy)).toEqual(expected);
  });
});
