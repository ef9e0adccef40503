import pino from 'pino';
import pg from 'pg';
import { createPool } from '../../src/db/connect';
import { startWorker, type JobWorker } from '../../src/worker';
import { recordFigures } from '../support/figures';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * The job runner (graphile-worker under src/worker.ts) while every session of its database is
 * killed again and again, as a fast shutdown of PostgreSQL does (57P01 to each session): jobs in
 * flight fail, graphile-worker's own queries fail, its pool may stop by itself. Every job still
 * runs to completion, the runner keeps going (replaced if need be) and stops cleanly. A crash of
 * the runner (an unhandled rejection inside graphile-worker) would fail this file.
 */
const JOBS = 300;
let t: TestDatabase;
let pool: pg.Pool;
let worker: JobWorker | undefined;
const lines: string[] = [];
const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });

beforeAll(async () => {
  // graphile-worker console.traces each of its workers that ends with an error: expected here.
  jest.spyOn(console, 'trace').mockImplementation(() => undefined);
  t = await createTestDatabase();
  await t.pool.query('create table touched (id int primary key, runs int not null default 1)');
  pool = createPool(t.url, logger, 8);
});

afterAll(async () => {
  await worker?.stop();
  await pool.end();
  await t.drop();
});

it('runs every job to completion while its sessions are killed, and stops cleanly', async () => {
  worker = await startWorker({
    pool,
    logger,
    concurrency: 4,
    retryMs: { min: 20, max: 200 },
    tasks: {
      'test.touch': async (payload) => {
        const { id } = payload as { id: number };
        await pool.query(
          'insert into touched (id) values ($1) on conflict (id) do update set runs = touched.runs + 1',
          [id],
        );
        await new Promise((r) => setTimeout(r, 5));
      },
    },
  });
  await t.pool.query(
    `select graphile_worker.add_jobs(array(
       select ('test.touch', json_build_object('id', i), null, null, 25, null, null, null)::graphile_worker.job_spec
       from generate_series(1, $1::int) i))`,
    [JOBS],
  );

  // Kill every other session of the database every 50 ms for 2 s.
  const killer = new pg.Client({ connectionString: t.url });
  await killer.connect();
  let killed = 0;
  for (const end = Date.now() + 2_000; Date.now() < end;) {
    const r = await killer.query(
      `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid()`,
    );
    killed += (r.rows[0] as { n: number }).n;
    await new Promise((r) => setTimeout(r, 50));
  }
  await killer.end();
  expect(killed).toBeGreaterThan(0);

  const deadline = Date.now() + 20_000;
  for (;;) {
    // The outage is over. A job whose attempts failed during it waits graphile-worker's backoff,
    // e^attempts seconds (20 s after three failures): as time passing would, make it due now.
    await t.pool.query(
      `select graphile_worker.reschedule_jobs(array(
         select id from graphile_worker._private_jobs where locked_at is null and run_at > now()), now())`,
    );
    const { rows } = await t.pool.query<{ jobs: number; done: number }>(
      `select (select count(*)::int from graphile_worker.jobs) as jobs, (select count(*)::int from touched) as done`,
    );
    if (rows[0]?.jobs === 0 && rows[0]?.done === JOBS) break;
    if (Date.now() > deadline) {
      const left = await t.pool.query(
        `select id, attempts, run_at, locked_at, locked_by, left(last_error, 120) as last_error
         from graphile_worker._private_jobs order by id limit 10`,
      );
      throw new Error(
        `not all jobs ran: ${JSON.stringify(rows[0])} at ${new Date().toISOString()}\n${JSON.stringify(left.rows, null, 1)}\n${lines.join('')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  await worker.stop(); // returns (a hang fails the test by its timeout)
  worker = undefined;
  const replaced = lines.filter((l) => l.includes('job runner running again')).length;
  expect(replaced).toBeGreaterThan(0); // the outage did replace the runner: the test tested something
  recordFigures('worker-outage', { sessionsKilled: killed, runnerReplaced: replaced });
});
