import { run, type Runner, type TaskList } from 'graphile-worker';
import type pg from 'pg';
import { workerLogger } from './db/jobs';
import type { Logger } from './shared/logger';

export interface WorkerOptions {
  pool: pg.Pool;
  logger: Logger;
  tasks: TaskList;
  concurrency?: number;
  /**
   * How often jobs scheduled for later (escalation timers, retries) are looked for; jobs due now
   * arrive through LISTEN/NOTIFY within milliseconds regardless.
   */
  pollIntervalMs?: number;
  /** graphile-worker crontab lines for periodic tasks. */
  crontab?: string;
}

/** Starts graphile-worker on Herald's pool; the caller stops it (signals are Herald's to handle). */
export async function startWorker(opts: WorkerOptions): Promise<Runner> {
  return run({
    pgPool: opts.pool,
    taskList: opts.tasks,
    concurrency: opts.concurrency ?? 4,
    pollInterval: opts.pollIntervalMs ?? 250,
    noHandleSignals: true,
    crontab: opts.crontab ?? '', // periodic tasks come from the modules, never from a ./crontab file
    logger: workerLogger(opts.logger),
    preset: {
      worker: {
        // Lock a batch of jobs per fetch and complete them in batches: a fan-out of thousands of
        // small jobs costs a few queries instead of two per job.
        localQueue: { size: Math.max(2, opts.concurrency ?? 4) },
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
      },
    },
  });
}
