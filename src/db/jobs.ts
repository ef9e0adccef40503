import { sql } from 'kysely';
import { Logger as WorkerLogger, type LogLevel } from 'graphile-worker';
import type { Logger } from '../common/logger';
import type { Db } from './schema';

export interface JobOptions {
  /** When to run; default now. */
  runAt?: Date;
  /** One live job per key: adding again replaces (reschedules) it; `removeJob` cancels it. */
  jobKey?: string;
  maxAttempts?: number;
  /** Jobs in one queue run one at a time, in order. */
  queueName?: string;
}

/**
 * Enqueues a graphile-worker job through SQL on the given transaction, so the job commits or rolls
 * back with the change that caused it: the transactional outbox, without an outbox table.
 */
export async function addJob(db: Db, task: string, payload: object, opts: JobOptions = {}): Promise<void> {
  await sql`select graphile_worker.add_job(
    identifier => ${task}::text,
    payload => ${JSON.stringify(payload)}::json,
    queue_name => ${opts.queueName ?? null}::text,
    run_at => ${opts.runAt ?? null}::timestamptz,
    max_attempts => ${opts.maxAttempts ?? null}::int,
    job_key => ${opts.jobKey ?? null}::text
  )`.execute(db);
}

export async function removeJob(db: Db, jobKey: string): Promise<void> {
  await sql`select graphile_worker.remove_job(${jobKey}::text)`.execute(db);
}

/** graphile-worker's logger, writing through pino. Its info lines (one per job) go to debug. */
export function workerLogger(logger: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level: LogLevel, message: string, meta?: unknown) => {
    const fields = { scope, ...(meta && typeof meta === 'object' ? { meta } : {}) };
    switch (String(level)) {
      case 'error':
        logger.error(fields, message);
        break;
      case 'warning':
        logger.warn(fields, message);
        break;
      default:
        logger.debug(fields, message);
    }
  });
}
