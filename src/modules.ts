import type { FastifyInstance } from 'fastify';
import type { TaskList } from 'graphile-worker';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { HeraldConfig } from './config';
import { isDatabaseUnavailable } from './db/connect';
import type { Database } from './db/schema';
import type { FastPath } from './http/server';
import type { IncidentService } from './incidents/incident.service';
import type { Clock } from './common/clock';
import type { Logger } from './common/logger';
import type { JobWorker } from './worker';

/** What every feature module is given by the composition root (src/main.ts). */
export interface ModuleContext {
  readonly config: HeraldConfig;
  readonly db: Kysely<Database>;
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly incidents: IncidentService;
  readonly metrics: Registry;
}

/**
 * A feature (notifications, Slack, status page, ingestion, escalation) as the composition root
 * sees it: subscribers to incident changes (run inside the change's transaction), worker tasks,
 * HTTP routes and lifecycle hooks. Modules never reach into each other's tables; they talk through
 * the incident service, its events, and the exported functions of each module's index.ts.
 */
export interface HeraldModule {
  readonly name: string;
  /** Registered on the incident service, in module order. */
  readonly subscribers?: ReadonlyArray<import('./incidents/incident.service').ChangeSubscriber>;
  /** graphile-worker tasks this module handles (worker processes only). */
  readonly tasks?: TaskList;
  /** Lines for graphile-worker's crontab (periodic work), e.g. `* * * * * herald.digest`. */
  readonly crontab?: readonly string[];
  /** Adds HTTP routes (web processes only). Routes do their own auth. */
  readonly routes?: (app: FastifyInstance) => Promise<void> | void;
  /** Requests answered from memory in front of fastify (web processes only; see FastPath). */
  readonly fastPaths?: readonly FastPath[];
  /** Called once the HTTP server and worker are up (`worker` absent in web-only mode). */
  readonly start?: (worker: JobWorker | undefined) => Promise<void>;
  /**
   * Runs the module's clock-driven work once, now (due retries, escalations, releases). Workers
   * call it on an interval; tests call it through `RunningHerald.tick()` after moving the clock.
   */
  readonly tick?: () => Promise<unknown>;
  /**
   * Recomputes the module's database-derived gauges. The composition root calls it once at start
   * and then on a timer (GAUGE_REFRESH_MS), never per scrape: `/metrics` only serialises.
   */
  readonly refreshMetrics?: () => Promise<void>;
  /** Called first on shutdown, before the server closes. */
  readonly stop?: () => Promise<void>;
}

/**
 * How a module's tick loop reports a failed run (the loop goes on; the next run picks up what is
 * still due). A database that cannot be reached is an outage, already shown by `/readyz`, and a
 * warning; anything else is a bug, an error.
 */
export function tickFailed(logger: Logger, what: string): (err: unknown) => void {
  return (err) => {
    if (isDatabaseUnavailable(err))
      logger.warn({ err: (err as Error).message }, `${what} tick: database unavailable; retrying`);
    else logger.error({ err }, `${what} tick failed; retrying`);
  };
}
