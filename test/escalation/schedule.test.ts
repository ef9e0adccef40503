import fc from 'fast-check';
import { DateTime } from 'luxon';
import type { Schedule, ScheduleLayer, ScheduleOverride } from '../../src/config';
import { changePoints, explainOnCall, nextHandoffs, whoIsOnCall } from '../../src/escalation/schedule';

type LayerInput = Omit<ScheduleLayer, 'name' | 'handoff'> & { name?: string; handoff?: string };

function schedule(timezone: string, layers: LayerInput[], overrides: ScheduleOverride[] = []): Schedule {
  return {
    id: 'primary',
    name: 'Primary',
    timezone,
    layers: layers.map((l, i) => ({ name: `layer${i}`, handoff: '00:00', ...l })),
    overrides,
  };
}

const utc = (iso: string): DateTime => DateTime.fromISO(iso, { zone: 'utc' });
/** A wall-clock time in `zone` (must exist, i.e. not in a spring-forward gap). */
const local = (iso: string, zone: string): DateTime => DateTime.fromISO(iso, { zone });
const who = (s: Schedule, at: DateTime, extra: ScheduleOverride[] = []): string[] =>
  whoIsOnCall(s, at, extra);

describe('rotations', () => {
  const daily = schedule('UTC', [
    { members: ['ann', 'ben', 'cat'], rotation: 'daily', handoff: '09:00', start: '2026-01-01' },
  ]);

  test('daily: first shift at start + handoff, one member per day, wrapping; nobody before start', () => {
    expect(who(daily, utc('2026-01-01T08:59:59'))).toEqual([]);
    expect(who(daily, utc('2026-01-01T09:00:00'))).toEqual(['ann']);
    expect(who(daily, utc('2026-01-02T08:59:59'))).toEqual(['ann']);
    expect(who(daily, utc('2026-01-02T09:00:00'))).toEqual(['ben']);
    expect(who(daily, utc('2026-01-03T12:00:00'))).toEqual(['cat']);
    expect(who(daily, utc('2026-01-04T09:00:00'))).toEqual(['ann']);
    expect(who(daily, utc('2026-12-31T10:00:00'))).toEqual([['ann', 'ben', 'cat'][364 % 3]]);
  });

  test('weekly: hands over on the same weekday and local time', () => {
    const weekly = schedule('Europe/London', [
      { members: ['alice', 'bob'], rotation: 'weekly', handoff: '09:00', start: '2026-01-05' },
    ]);
    expect(who(weekly, local('2026-01-05T09:00', 'Europe/London'))).toEqual(['alice']);
    expect(who(weekly, local('2026-01-12T08:59', 'Europe/London'))).toEqual(['alice']);
    expect(who(weekly, local('2026-01-12T09:00', 'Europe/London'))).toEqual(['bob']);
    expect(who(weekly, local('2026-01-19T09:00', 'Europe/London'))).toEqual(['alice']);
    // Summer time: still 09:00 local (08:00 UTC).
    expect(who(weekly, utc('2026-06-01T07:59'))).toEqual(['alice']); // week 20
    expect(who(weekly, utc('2026-06-01T08:00'))).toEqual(['bob']); // week 21
  });

  test('{ hours: 12 }: two shifts a day from the handoff time', () => {
    const halves = schedule('UTC', [
      { members: ['ann', 'ben', 'cat'], rotation: { hours: 12 }, handoff: '08:00', start: '2026-01-01' },
    ]);
    expect(who(halves, utc('2026-01-01T08:00'))).toEqual(['ann']);
    expect(who(halves, utc('2026-01-01T19:59'))).toEqual(['ann']);
    expect(who(halves, utc('2026-01-01T20:00'))).toEqual(['ben']);
    expect(who(halves, utc('2026-01-02T08:00'))).toEqual(['cat']);
    expect(who(halves, utc('2026-01-02T20:00'))).toEqual(['ann']);
  });
});

describe('layers and restrict windows', () => {
  const layered = schedule('Europe/London', [
    { name: 'all-hours', members: ['night'], rotation: 'weekly', start: '2026-01-05' },
    {
      name: 'business',
      members: ['day1', 'day2'],
      rotation: 'daily',
      handoff: '09:00',
      start: '2026-01-05',
      restrict: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
    },
  ]);

  test('a later layer takes precedence where it is active; the lower one shows elsewhere', () => {
    expect(explainOnCall(layered, local('2026-01-05T10:00', 'Europe/London'))).toEqual({
      personIds: ['day1'],
      source: { kind: 'layer', index: 1, name: 'business' },
    });
    expect(who(layered, local('2026-01-06T16:59', 'Europe/London'))).toEqual(['day2']);
    expect(explainOnCall(layered, local('2026-01-06T17:00', 'Europe/London'))).toEqual({
      personIds: ['night'],
      source: { kind: 'layer', index: 0, name: 'all-hours' },
    });
    expect(who(layered, local('2026-01-10T10:00', 'Europe/London'))).toEqual(['night']); // Saturday
  });

  test('the rotation keeps turning while a restricted layer is hidden', () => {
    // Mon day1, Tue day2, … Sat (hidden) day2, Sun (hidden) day1, Mon day2.
    expect(who(layered, local('2026-01-12T12:00', 'Europe/London'))).toEqual(['day2']);
  });

  test('a window whose end is before its start runs past midnight and belongs to its start day', () => {
    const weekend = schedule('UTC', [
      {
        members: ['sam'],
        rotation: 'weekly',
        start: '2026-01-05',
        restrict: { days: ['fri'], start: '18:00', end: '09:00' },
      },
    ]);
    expect(who(weekend, utc('2026-01-09T17:59'))).toEqual([]); // Friday
    expect(who(weekend, utc('2026-01-09T18:00'))).toEqual(['sam']);
    expect(who(weekend, utc('2026-01-10T08:59'))).toEqual(['sam']); // Saturday morning
    expect(who(weekend, utc('2026-01-10T09:00'))).toEqual([]);
    expect(who(weekend, utc('2026-01-10T20:00'))).toEqual([]); // Saturday evening is not Friday's
    expect(who(weekend, utc('2026-01-09T08:00'))).toEqual([]); // Friday morning belongs to Thursday
  });

  test('restrict windows are read on the local wall clock, across DST', () => {
    const office = schedule('Europe/London', [
      {
        members: ['day'],
        rotation: 'weekly',
        start: '2026-01-05',
        restrict: { days: ['mon'], start: '09:00', end: '17:00' },
      },
    ]);
    expect(who(office, utc('2026-03-23T08:59'))).toEqual([]); // GMT
    expect(who(office, utc('2026-03-23T09:00'))).toEqual(['day']);
    expect(who(office, utc('2026-03-30T07:59'))).toEqual([]); // BST: 08:59 local
    expect(who(office, utc('2026-03-30T08:00'))).toEqual(['day']);
    expect(who(office, utc('2026-03-30T15:59'))).toEqual(['day']);
    expect(who(office, utc('2026-03-30T16:00'))).toEqual([]);
  });
});

describe('overrides', () => {
  const base = schedule(
    'UTC',
    [
      {
        members: ['ann'],
        rotation: 'daily',
        start: '2026-01-01',
        restrict: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '08:00', end: '20:00' },
      },
    ],
    [{ person: 'zed', start: '2026-02-01T10:00:00.000Z', end: '2026-02-01T12:00:00.000Z' }],
  );

  test('a config override replaces the answer in [start, end)', () => {
    expect(who(base, utc('2026-02-01T09:59'))).toEqual(['ann']);
    expect(explainOnCall(base, utc('2026-02-01T10:00'))).toEqual({
      personIds: ['zed'],
      source: { kind: 'override', origin: 'config' },
    });
    expect(who(base, utc('2026-02-01T11:59'))).toEqual(['zed']);
    expect(who(base, utc('2026-02-01T12:00'))).toEqual(['ann']);
  });

  test('runtime overrides win over config ones, the last listed wins, and they cover gaps', () => {
    const extra = [
      { person: 'yan', start: '2026-02-01T11:00:00Z', end: '2026-02-01T23:00:00Z' },
      { person: 'xia', start: '2026-02-01T21:00:00Z', end: '2026-02-02T01:00:00Z' },
    ];
    expect(who(base, utc('2026-02-01T10:30'), extra)).toEqual(['zed']);
    expect(explainOnCall(base, utc('2026-02-01T11:30'), extra)).toEqual({
      personIds: ['yan'],
      source: { kind: 'override', origin: 'runtime' },
    });
    expect(who(base, utc('2026-02-01T20:30'), extra)).toEqual(['yan']); // layer restricted: gap covered
    expect(who(base, utc('2026-02-01T22:00'), extra)).toEqual(['xia']);
    expect(who(base, utc('2026-02-02T00:30'))).toEqual([]); // without them: nobody
    expect(who(base, utc('2026-02-02T00:30'), extra)).toEqual(['xia']);
  });
});

describe('DST', () => {
  const daily = (zone: string, handoff: string): Schedule =>
    schedule(zone, [{ members: ['a', 'b', 'c'], rotation: 'daily', handoff, start: '2026-03-01' }]);

  test('Europe/London spring forward: a 09:00 daily handoff stays at 09:00 local (a 23-hour shift)', () => {
    const s = daily('Europe/London', '09:00');
    const sat = who(s, utc('2026-03-28T09:00')); // 09:00 GMT
    expect(who(s, utc('2026-03-29T07:59'))).toEqual(sat); // 08:59 BST
    const sun = who(s, utc('2026-03-29T08:00')); // 09:00 BST
    expect(sun).not.toEqual(sat);
    expect(who(s, utc('2026-03-30T07:59'))).toEqual(sun);
    expect(
      nextHandoffs(s, utc('2026-03-28T10:00'), utc('2026-03-30T10:00')).map((h) => h.at.toISO()),
    ).toEqual(['2026-03-29T08:00:00.000Z', '2026-03-30T08:00:00.000Z']);
  });

  test('Europe/London fall back: 09:00 local on both sides (a 25-hour shift)', () => {
    const s = daily('Europe/London', '09:00');
    expect(
      nextHandoffs(s, utc('2026-10-24T00:00'), utc('2026-10-26T12:00')).map((h) => h.at.toISO()),
    ).toEqual([
      '2026-10-24T08:00:00.000Z', // 09:00 BST
      '2026-10-25T09:00:00.000Z', // 09:00 GMT
      '2026-10-26T09:00:00.000Z',
    ]);
  });

  test('Europe/London { hours: 12 }: handoffs stay at 09:00 and 21:00 local', () => {
    const s = schedule('Europe/London', [
      { members: ['a', 'b'], rotation: { hours: 12 }, handoff: '09:00', start: '2026-03-01' },
    ]);
    expect(
      nextHandoffs(s, utc('2026-03-28T12:00'), utc('2026-03-29T23:00')).map((h) => h.at.toISO()),
    ).toEqual(['2026-03-28T21:00:00.000Z', '2026-03-29T08:00:00.000Z', '2026-03-29T20:00:00.000Z']);
  });

  test('America/New_York spring forward: a 02:30 handoff that does not exist happens at the jump (03:00 EDT)', () => {
    const s = daily('America/New_York', '02:30');
    expect(
      nextHandoffs(s, utc('2026-03-07T00:00'), utc('2026-03-09T12:00')).map((h) => h.at.toISO()),
    ).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT, the first local time after 02:30
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
    expect(who(s, utc('2026-03-08T06:59'))).not.toEqual(who(s, utc('2026-03-08T07:00')));
  });

  test('America/New_York fall back: a 01:30 handoff happens the first time 01:30 comes, once', () => {
    const s = daily('America/New_York', '01:30');
    const before = who(s, utc('2026-11-01T05:29')); // 01:29 EDT
    const after = who(s, utc('2026-11-01T05:30')); // 01:30 EDT
    expect(after).not.toEqual(before);
    expect(who(s, utc('2026-11-01T06:15'))).toEqual(after); // 01:15 EST: no flapping back
    expect(who(s, utc('2026-11-01T06:45'))).toEqual(after); // 01:45 EST: no second handoff
    expect(
      nextHandoffs(s, utc('2026-10-31T12:00'), utc('2026-11-02T12:00')).map((h) => h.at.toISO()),
    ).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z', // 01:30 EST
    ]);
  });

  test('a restrict window opening inside the repeated fall-back hour opens once and stays open', () => {
    const s = schedule('Europe/London', [
      {
        members: ['x'],
        rotation: 'weekly',
        start: '2026-01-05',
        restrict: { days: ['sun'], start: '01:30', end: '05:00' },
      },
    ]);
    const changes = nextHandoffs(s, utc('2026-10-24T12:00'), utc('2026-10-26T00:00'));
    expect(changes.map((h) => [h.at.toISO(), h.personIds])).toEqual([
      ['2026-10-25T00:30:00.000Z', ['x']], // 01:30 BST, the first time the clock shows 01:30
      ['2026-10-25T05:00:00.000Z', []],
    ]);
    expect(who(s, utc('2026-10-25T01:15'))).toEqual(['x']); // 01:15 GMT: the clock reads 01:15 again
  });

  test('a restrict window in the spring-forward gap opens at the jump', () => {
    const s = schedule('America/New_York', [
      {
        members: ['x'],
        rotation: 'weekly',
        start: '2026-01-05',
        restrict: { days: ['sun'], start: '02:15', end: '02:45' },
      },
    ]);
    // 02:15 and 02:45 both fall in the gap on 2026-03-08: the window is empty that day.
    expect(nextHandoffs(s, utc('2026-03-08T00:00'), utc('2026-03-09T00:00'))).toEqual([]);
    expect(who(s, utc('2026-03-15T06:30'))).toEqual(['x']); // 02:30 EDT a week later
  });

  test('{ hours: 1 } across the London gap: the skipped hour is a zero-length shift', () => {
    const s = schedule('Europe/London', [
      { members: ['h0', 'h1', 'h2', 'h3'], rotation: { hours: 1 }, handoff: '00:00', start: '2026-03-29' },
    ]);
    expect(who(s, utc('2026-03-29T00:30'))).toEqual(['h0']); // 00:30 GMT
    expect(who(s, utc('2026-03-29T01:00'))).toEqual(['h2']); // 02:00 BST: 01:00–02:00 never happened
    expect(who(s, utc('2026-03-29T02:00'))).toEqual(['h3']);
  });
});

describe('nextHandoffs', () => {
  test('lists each change once with who is on call from then on, including overrides and windows', () => {
    const s = schedule(
      'UTC',
      [
        { members: ['ann', 'ben'], rotation: 'daily', handoff: '09:00', start: '2026-01-01' },
        {
          members: ['day'],
          rotation: 'weekly',
          start: '2026-01-01',
          restrict: { days: ['fri'], start: '12:00', end: '14:00' },
        },
      ],
      [{ person: 'ovr', start: '2026-01-03T00:00:00Z', end: '2026-01-03T01:00:00Z' }],
    );
    const changes = nextHandoffs(s, utc('2026-01-02T10:00'), utc('2026-01-03T10:00')).map((h) => [
      h.at.toISO(),
      h.personIds,
    ]);
    expect(changes).toEqual([
      ['2026-01-02T12:00:00.000Z', ['day']], // Friday window opens
      ['2026-01-02T14:00:00.000Z', ['ben']],
      ['2026-01-03T00:00:00.000Z', ['ovr']],
      ['2026-01-03T01:00:00.000Z', ['ben']],
      ['2026-01-03T09:00:00.000Z', ['ann']],
    ]);
  });

  test('runtime overrides are included; the open interval excludes both ends', () => {
    const s = schedule('UTC', [{ members: ['ann'], rotation: 'daily', start: '2026-01-01' }]);
    const extra = [{ person: 'ben', start: '2026-01-05T10:00:00Z', end: '2026-01-05T11:00:00Z' }];
    expect(
      nextHandoffs(s, utc('2026-01-05T10:00'), utc('2026-01-05T12:00'), extra).map((h) => h.at.toISO()),
    ).toEqual(['2026-01-05T11:00:00.000Z']);
    expect(nextHandoffs(s, utc('2026-01-05T09:00'), utc('2026-01-05T12:00'))).toEqual([]);
  });
});

describe('changePoints is complete (property)', () => {
  const zones = ['Europe/London', 'America/New_York', 'Australia/Sydney', 'UTC'] as const;
  // Hours 0–3 are over-weighted: that is where DST transitions happen.
  const hhmm = fc
    .tuple(
      fc.oneof(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 3 })),
      fc.constantFrom(0, 15, 30, 45),
    )
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
  const layer = fc.record({
    members: fc.constantFrom(['a'], ['a', 'b'], ['a', 'b', 'c']),
    rotation: fc.oneof(
      fc.constant('daily' as const),
      fc.constant('weekly' as const),
      fc.integer({ min: 1, max: 30 }).map((hours) => ({ hours })),
    ),
    handoff: hhmm,
    start: fc.constantFrom('2026-03-01', '2026-03-07', '2026-10-20', '2026-10-31'),
    restrict: fc.option(
      fc
        .record({
          days: fc.subarray(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const, { minLength: 1 }),
          start: hhmm,
          end: hhmm,
        })
        .filter((w) => w.start !== w.end),
      { nil: undefined },
    ),
  });

  test('the answer never changes between two consecutive change points (checked every 15 minutes)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.array(layer, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(
          '2026-03-06T00:00:00Z',
          '2026-03-27T00:00:00Z',
          '2026-10-23T00:00:00Z',
          '2026-10-30T00:00:00Z',
        ),
        (zone, layers, fromIso) => {
          const s = schedule(zone, layers);
          const from = utc(fromIso);
          const to = from.plus({ days: 3 });
          const points = [from, ...changePoints(s, from, to), to].map((p) => p.toMillis());
          for (let i = 0; i + 1 < points.length; i += 1) {
            const [start, end] = [points[i] ?? 0, points[i + 1] ?? 0];
            const expected = who(s, DateTime.fromMillis(start));
            for (let t = start; t < end; t += 15 * 60_000) {
              expect(who(s, DateTime.fromMillis(t))).toEqual(expected);
            }
          }
        },
      ),
      { numRuns: 50, seed: 20261126 },
    );
  });
});
