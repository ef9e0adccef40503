import { IncidentService } from '../../src/incidents/incident.service';
import { ManualClock } from '../../src/common/clock';
import { digestData } from '../../src/slack/digest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { T0 } from './fixtures';

/** digestData on a real database, time moved with a ManualClock. */
let tdb: TestDatabase;
const clock = new ManualClock(T0.minus({ days: 2 }));
let incidents: IncidentService;
beforeAll(async () => {
  tdb = await createTestDatabase();
  incidents = new IncidentService({ db: tdb.db, clock });
});
afterAll(async () => tdb?.drop());

test('open at the end, resolved within, MTTA and MTTR over what happened in the period', async () => {
  const from = T0.minus({ days: 1 });
  const to = T0;

  // Before the period: declared, acknowledged after 10 min, resolved after 1 h (not counted).
  clock.set(from.minus({ hours: 5 }));
  const old = await incidents.declare({ title: 'old', severity: 'high', services: [] }, 'api');
  clock.advance({ minutes: 10 });
  await incidents.acknowledge(old.ref, 'api');
  clock.advance({ minutes: 50 });
  await incidents.resolve(old.ref, {}, 'api');

  // Started before the period, resolved inside it after 3 h: counts for MTTR only.
  clock.set(from.minus({ hours: 1 }));
  const spanning = await incidents.declare(
    { title: 'spanning', severity: 'critical', services: ['checkout'] },
    'api',
  );
  clock.set(from.plus({ hours: 2 }));
  await incidents.resolve(spanning.ref, {}, 'api');

  // Inside: acked after 4 min, resolved after 1 h (MTTA 4 min, MTTR 60 min).
  clock.set(from.plus({ hours: 6 }));
  const inside = await incidents.declare({ title: 'inside', severity: 'medium', services: [] }, 'api');
  clock.advance({ minutes: 4 });
  await incidents.acknowledge(inside.ref, 'api');
  clock.advance({ minutes: 56 });
  await incidents.resolve(inside.ref, {}, 'api');

  // Inside and still open: acked after 6 min.
  clock.set(from.plus({ hours: 20 }));
  const open = await incidents.declare({ title: 'still open', severity: 'high', services: [] }, 'api');
  clock.advance({ minutes: 6 });
  await incidents.acknowledge(open.ref, 'api');

  // After the period: not in this digest.
  clock.set(to.plus({ minutes: 5 }));
  await incidents.declare({ title: 'later', severity: 'low', services: [] }, 'api');

  const data = await digestData(tdb.db, from, to);
  expect(data.open.map((i) => i.title)).toEqual(['still open']);
  expect(data.resolved.map((i) => i.title)).toEqual(['spanning', 'inside']);
  expect(data.mttaSeconds).toBeCloseTo(5 * 60); // (4 + 6) / 2 minutes
  expect(data.mttrSeconds).toBeCloseTo(2 * 3600); // (3 h + 1 h) / 2

  // An incident open at `to` but resolved since is still "open" in that period's digest.
  const earlier = await digestData(tdb.db, from.minus({ days: 1 }), from.plus({ hours: 1 }));
  expect(earlier.open.map((i) => i.title)).toEqual(['spanning']);
  expect(earlier.resolved.map((i) => i.title)).toEqual(['old']);

  const empty = await digestData(tdb.db, to.plus({ days: 10 }), to.plus({ days: 11 }));
  expect(empty).toMatchObject({ resolved: [], mttaSeconds: null, mttrSeconds: null });
});
