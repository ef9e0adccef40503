import type { DateTime } from 'luxon';
import { ManualClock } from '../../src/common/clock';
import type { DeliveryHealthRow } from '../../src/statuspage';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { get, startStatusPage, TOKEN, type Harness } from './support/harness';
import { missing, present } from './support/markup';

/**
 * The delivery-health port is bound here to literal data (the notification engine that reads the
 * real `deliveries` table is bound by the composition root, not by this module).
 */
let t: TestDatabase;
let h: Harness;
const clock = new ManualClock('2026-11-26T12:00:00Z');
let rows: DeliveryHealthRow[] = [
  { channel: 'email', failed: 3, dead: 1 },
  { channel: 'sms', failed: 0, dead: 0 },
];
const asked: DateTime[] = [];
const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  t = await createTestDatabase();
  h = await startStatusPage({
    db: t,
    clock,
    deliveryHealth: async (since) => {
      asked.push(since);
      return rows;
    },
  });
});
afterAll(async () => {
  await h.close();
  await t.drop();
});

describe('internal page delivery health', () => {
  it('shows failed and dead deliveries of the last 24 hours per channel', async () => {
    const res = await get(`${h.url}/internal`, auth);
    expect(res.status).toBe(200);
    expect(asked.map((d) => d.toISO())).toEqual(['2026-11-25T12:00:00.000Z']);
    expect(
      missing(
        res.text,
        '<th scope="row">email</th><td class="warn">3</td><td class="warn">1</td>',
        '<th scope="row">sms</th><td>0</td><td>0</td>',
      ),
    ).toEqual([]);
  });

  it('reads delivery health again after 15 seconds, serving the previous page meanwhile', async () => {
    rows = [{ channel: 'email', failed: 0, dead: 0 }];
    clock.advance({ seconds: 10 });
    expect(missing((await get(`${h.url}/internal`, auth)).text, '<td class="warn">3</td>')).toEqual([]);
    expect(asked).toHaveLength(1);

    clock.advance({ seconds: 6 });
    await get(`${h.url}/internal`, auth); // due: served from memory, refresh started
    await h.module.cache.settled();
    const res = await get(`${h.url}/internal`, auth);
    expect(asked).toHaveLength(2);
    expect(present(res.text, '<td class="warn">3</td>')).toEqual([]);
    expect(missing(res.text, 'No failed or dead deliveries since')).toEqual([]);
  });
});
