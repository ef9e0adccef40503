import { EventEmitter } from 'node:events';
import { run, type Runner, type TaskList, type WorkerEvents } from 'graphile-worker';
import type pg from 'pg';
import { isDatabaseUnavailable } from './db/connect';
import { workerLogger } from './db/jobs';
import type { Logger } from './common/logger';

export interface WorkerOptions {
  pool: pg.Pool;
  logger: Logger;
  tasks: TaskList;
  concurrency?: number;
  /**
   * How often each idle worker looks for jobs that became due without a NOTIFY (graphile-worker's
   * own retries of a failed job, crontab). Jobs added now arrive through LISTEN/NOTIFY within
   * milliseconds regardless, and Herald's own due work (delivery retries, escalation steps, quiet
   * hours, Slack waits) is scanned by the module ticks, not found by this poll. Every idle worker
   * polls on its own, so at 250 ms 32 workers made 128 queries a second at rest; 2 s (graphile-
   * worker's default) makes 16.
   */
  pollIntervalMs?: number;
  /** graphile-worker crontab lines for periodic tasks. */
  crontab?: string;
  /**
   * While the database is unavailable: how often graphile-worker's connections are tried again,
   * and the first and longest wait before a new runner replaces one that stopped.
   */
  retryMs?: { min: number; max: number };
}

/** The job runner as the composition root sees it: started once, stopped once. */
export interface JobWorker {
  stop(): Promise<void>;
}

/**
 * Runs graphile-worker on Herald's pool until stopped (signals are Herald's to handle), across
 * database outages. graphile-worker (0.17, and 0.18 still: its batch retry loop and task-id cache are
 * unchanged) copes badly with a database that goes away: a failed
 * batched completion shuts its worker pool down (the batch retry loop leaves on the first error,
 * graphile/worker#636) and a second one leaves that shutdown hanging for good; unbatched, a failed
 * completion is an unhandled rejection that kills the process; its local queue can do both; and a
 * failed first lookup of its task ids is cached, so its workers never fetch a job again.
 * So Herald (1) gives it connections that wait for the database instead of failing, which keeps
 * most of its queries (and its LISTEN) from ever seeing the outage, and (2) replaces a runner
 * whose pool starts shutting down by itself, or that cannot fetch jobs while the database answers,
 * with a new one, first unlocking the jobs the old one held so they run again now rather than
 * after graphile-worker's four-hour lock timeout, and again once the old one's last fetch or job
 * has ended (a fetch under way when it was replaced may still lock a job after that first
 * unlock). Running such a job again is safe: every task is idempotent (a delivery is claimed
 * before it is sent).
 */
export async function startWorker(opts: WorkerOptions): Promise<JobWorker> {
  const { logger } = opts;
  const retry = opts.retryMs ?? { min: 250, max: 5_000 };
  const concurrency = opts.concurrency ?? 4;
  const stopping = new AbortController();
  let current: Runner | undefined;
  let restarting: Promise<void> | undefined;

  const launch = async (): Promise<Runner> => {
    const lockedBy: string[] = []; // the pool's id and each worker's: what its jobs are locked with
    const events: WorkerEvents = new EventEmitter();
    const retired = new AbortController();
    let replaced = false;
    // eslint-disable-next-line prefer-const -- read by the handlers below, assigned once run() resolves
    let runner: Runner | undefined;
    const replace = (reason: string, exited = false): void => {
      if (replaced || stopping.signal.aborted) return;
      replaced = true;
      retired.abort(); // its workers no longer wait for a connection: no job is fetched late
      logger.error({ reason }, 'job runner failing (database unreachable?); starting a new one');
      const old = runner;
      if (current === old) current = undefined;
      // Stop what is left of it (its cron, its workers) once graphile-worker's own step is done.
      if (old && !exited) {
        queueMicrotask(() => {
          old
            .stop()
            .catch((err: unknown) => logger.warn({ err }, 'the replaced job runner did not stop cleanly'));
        });
      }
      restarting = restart(lockedBy);
    };
    events.on('pool:create', ({ workerPool }) => lockedBy.push(workerPool.id));
    events.on('worker:create', ({ worker }) => lockedBy.push(worker.workerId));
    // A replaced runner goes on for a while: a worker whose job fetch was under way when the
    // runner was replaced still gets a job (after the restart's unlock), runs it, and may fail to
    // complete it, which leaves that job locked by a runner that will never finish it. So each
    // worker's fetch or job is followed, and once none of a replaced runner's workers has one,
    // whatever the runner still holds locked is unlocked again.
    const busy = new Set<string>();
    const idle = (workerId: string): void => {
      busy.delete(workerId);
      // A moment later: the batched completion of its last job may still be on its way.
      if (replaced && busy.size === 0) track(pause(retry.min, stopping.signal).then(() => unlock(lockedBy)));
    };
    events.on('worker:getJob:start', ({ worker }) => busy.add(worker.workerId));
    events.on('worker:getJob:empty', ({ worker }) => idle(worker.workerId));
    events.on('worker:getJob:error', ({ worker }) => idle(worker.workerId));
    events.on('job:complete', ({ worker }) => idle(worker.workerId));
    events.on('worker:fatalError', ({ worker }) => idle(worker.workerId));
    events.on('pool:gracefulShutdown', ({ message }) => replace(message));
    // A runner whose workers keep failing to fetch jobs while the database answers will never
    // fetch one: graphile-worker caches a failed lookup of its task ids for good.
    let fetchFailures = 0;
    const fetched = (): void => void (fetchFailures = 0);
    events.on('worker:getJob:empty', fetched);
    events.on('job:start', fetched);
    events.on('worker:getJob:error', () => {
      if (++fetchFailures !== 2 * concurrency) return;
      opts.pool.query('select 1').then(
        () => replace('workers cannot fetch jobs although the database answers'),
        () => fetched(), // the database is still away: count again
      );
    });
    runner = await run({
      pgPool: waitingPool(opts.pool, retry.min, AbortSignal.any([stopping.signal, retired.signal])),
      taskList: opts.tasks,
      concurrency,
      pollInterval: opts.pollIntervalMs ?? 2_000,
      noHandleSignals: true,
      crontab: opts.crontab ?? '', // periodic tasks come from the modules, never from a ./crontab file
      logger: workerLogger(logger),
      events,
      // Complete and fail jobs in batches: a fan-out of thousands of small jobs costs a few
      // queries instead of two per job. No localQueue (see above): it fetched 6,000-7,500 trivial
      // jobs/s here against 1,800-2,300 without, far above what deliveries need.
      preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
    });
    void runner.promise.then(() => replace('runner exited', true));
    return runner;
  };

  const restart = async (lockedBy: readonly string[]): Promise<void> => {
    for (let delay = retry.min; ; delay = Math.min(retry.max, delay * 2)) {
      await pause(delay, stopping.signal);
      if (stopping.signal.aborted) return;
      try {
        await forceUnlock(lockedBy);
        current = await launch();
        logger.warn({ unlocked: lockedBy }, 'job runner running again');
        return;
      } catch (err) {
        // Keep trying whatever went wrong: without a runner no job runs in this process.
        if (isDatabaseUnavailable(err))
          logger.warn(
            { err: (err as Error).message, retryInMs: delay },
            'job runner not started yet; retrying',
          );
        else logger.error({ err, retryInMs: delay }, 'job runner did not start; retrying');
      }
    }
  };

  const forceUnlock = async (lockedBy: readonly string[]): Promise<void> => {
    await opts.pool.query('select graphile_worker.force_unlock_workers($1::text[])', [lockedBy]);
  };
  /** Unlocks what `lockedBy` holds, trying again while the database is away (until stopping). */
  const unlock = async (lockedBy: readonly string[]): Promise<void> => {
    for (let delay = retry.min; ; delay = Math.min(retry.max, delay * 2)) {
      try {
        await forceUnlock(lockedBy);
        return;
      } catch (err) {
        if (stopping.signal.aborted || !isDatabaseUnavailable(err)) {
          // Not lost: graphile-worker's own lock timeout (four hours) frees these jobs.
          logger.error(
            { err, lockedBy },
            'jobs of a replaced job runner stay locked until their lock times out',
          );
          return;
        }
        await pause(delay, stopping.signal);
      }
    }
  };
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>): void => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  current = await launch();
  return {
    stop: async () => {
      stopping.abort();
      await restarting;
      await current?.stop();
      while (pending.size > 0) await Promise.all(pending); // a runner stopping now may add one
    },
  };
}

/**
 * `pool` as graphile-worker gets it: `connect()` waits (trying every `retryMs`) while the database
 * is unavailable instead of failing, until `signal` aborts. Everything else is the pool itself.
 */
function waitingPool(pool: pg.Pool, retryMs: number, signal: AbortSignal): pg.Pool {
  const connect = async (): Promise<pg.PoolClient> => {
    for (;;) {
      try {
        return await pool.connect();
      } catch (err) {
        if (signal.aborted || !isDatabaseUnavailable(err)) throw err;
        await pause(retryMs, signal);
      }
    }
  };
  type Done = (release?: Error | boolean) => void;
  type Callback = (err: Error | undefined, client: pg.PoolClient | undefined, done: Done) => void;
  const connectEither = (callback?: Callback): Promise<pg.PoolClient> | void => {
    if (!callback) return connect();
    connect().then(
      (client) => {
        // This checkout's own release, once: graphile-worker's listener can release its client
        // twice when the connection dies under it, and by then `client.release` may belong to a
        // later checkout of the same client by someone else.
        const release = client.release;
        let released = false;
        callback(undefined, client, (err) => {
          if (released) return;
          released = true;
          release(err);
        });
      },
      (err: Error) => callback(err, undefined, () => undefined),
    );
  };
  return new Proxy(pool, {
    get(target, prop) {
      if (prop === 'connect') return connectEither;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Resolves after `ms`, or as soon as `signal` aborts (Herald is stopping). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
