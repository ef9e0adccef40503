import { sql } from 'kysely';
import type pg from 'pg';
import { withPipeline } from '../../src/db/pipeline';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * withPipeline on real PostgreSQL: statements sent together run in order in one transaction, a
 * failure rolls back what was sent before it, and the pooled client goes back to the pool as an
 * ordinary client either way.
 */
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  await sql`create table pipeline_probe (k text primary key, n int not null)`.execute(t.db);
});
afterAll(() => t.drop());

const rows = async () =>
  (await sql<{ k: string; n: number }>`select k, n from pipeline_probe order by k`.execute(t.db)).rows;

/** Whether every idle client of the pool is back out of pipeline mode. */
async function poolClientsOrdinary(): Promise<boolean[]> {
  const clients = await Promise.all(Array.from({ length: 3 }, () => t.pool.connect()));
  const modes = clients.map((c) => (c as pg.PoolClient & { pipeline: boolean }).pipeline);
  for (const c of clients) c.release();
  return modes;
}

describe('withPipeline', () => {
  it('runs statements sent together in order and commits them', async () => {
    const result = await withPipeline(t.pool, t.db, async (p) => {
      const [, inserted, read] = await Promise.all([
        p.begin(),
        p.rows(sql<{ k: string }>`insert into pipeline_probe values ('a', 1), ('b', 2) returning k`),
        // Sent in the same write, it still runs after the insert and sees its rows.
        p.rows(sql<{ total: number }>`select sum(n)::int as total from pipeline_probe`),
      ]);
      const [updated] = await Promise.all([
        p.rows(sql<{ n: number }>`update pipeline_probe set n = n * 10 where k = 'b' returning n`),
        p.commit(),
      ]);
      return { inserted: inserted.map((r) => r.k), total: read[0]?.total, updated: updated[0]?.n };
    });
    expect(result).toEqual({ inserted: ['a', 'b'], total: 3, updated: 20 });
    expect(await rows()).toEqual([
      { k: 'a', n: 1 },
      { k: 'b', n: 20 },
    ]);
    expect(await poolClientsOrdinary()).toEqual([false, false, false]);
  });

  it('rolls back everything sent before a failing statement, and rethrows its error', async () => {
    const attempt = withPipeline(t.pool, t.db, async (p) => {
      await Promise.all([
        p.begin(),
        p.rows(sql`insert into pipeline_probe values ('c', 3)`),
        p.rows(sql`insert into pipeline_probe values ('a', 99)`), // duplicate key
        p.rows(sql`insert into pipeline_probe values ('d', 4)`), // aborted transaction
      ]);
      await p.commit();
    });
    await expect(attempt).rejects.toMatchObject({ code: '23505' });
    expect((await rows()).map((r) => r.k)).toEqual(['a', 'b']);
    // The client was rolled back, not left inside the aborted transaction.
    const after = await withPipeline(t.pool, t.db, async (p) => {
      const [, inserted] = await Promise.all([
        p.begin(),
        p.rows(sql<{ k: string }>`insert into pipeline_probe values ('e', 5) returning k`),
        p.commit(),
      ]);
      return inserted[0]?.k;
    });
    expect(after).toBe('e');
    expect(await poolClientsOrdinary()).toEqual([false, false, false]);
  });

  it('rolls back when the body throws after sending', async () => {
    await expect(
      withPipeline(t.pool, t.db, async (p) => {
        await Promise.all([p.begin(), p.rows(sql`insert into pipeline_probe values ('f', 6)`)]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await rows()).map((r) => r.k)).not.toContain('f');
  });
});
