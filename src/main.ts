import type { FastifyInstance } from 'fastify';
import type { Runner } from 'graphile-worker';
import type { HeraldConfig } from './config';
import { redactedEnv } from './config';
import { connect, type Connection } from './db/connect';
import { migrateToLatest } from './db/migrate';
import { buildServer } from './http/server';
import { createMetrics } from './http/metrics';
import { ANNOUNCE_TASK, announceSubscriber, announceTask } from './incidents/announce';
import { IncidentService } from './incidents/incident.service';
import { systemClock, type Clock } from './shared/clock';
import type { Logger } from './shared/logger';
import { startWorker } from './worker';

export type Mode = 'start' | 'web' | 'worker';

export interface RunningHerald {
  /** Base URL of the HTTP server (absent in worker mode). */
  readonly url?: string;
  readonly connection: Connection;
  readonly incidents: IncidentService;
  /** Stops taking work, drains, closes the database; PostgreSQL (if embedded) stops last. */
  stop(): Promise<void>;
}

/**
 * The composition root: config → database → services → HTTP and/or worker. Every mode migrates
 * first (concurrent migrations serialise on a lock), so `web` and `worker` can start in any order.
 */
export async function runHerald(opts: {
  mode: Mode;
  config: HeraldConfig;
  logger: Logger;
  clock?: Clock;
}): Promise<RunningHerald> {
  const { config, logger, mode } = opts;
  const clock = opts.clock ?? systemClock;
  logger.debug({ env: redactedEnv(config.env), configFile: config.source }, 'configuration');

  const connection = await connect({
    databaseUrl: config.env.databaseUrl,
    dataDir: config.env.dataDir,
    logger,
  });
  let server: FastifyInstance | undefined;
  let runner: Runner | undefined;
  const stop = async (): Promise<void> => {
    await server?.close();
    await runner?.stop();
    await connection.close();
  };

  try {
    const applied = await migrateToLatest(connection.db, connection.pool);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');

    const incidents = new IncidentService({
      db: connection.db,
      clock,
      knownServices: new Set(config.file.services.map((s) => s.id)),
      subscribers: [announceSubscriber],
    });

    if (mode !== 'web') {
      runner = await startWorker({
        pool: connection.pool,
        logger,
        tasks: { [ANNOUNCE_TASK]: announceTask(connection.db, logger) },
      });
    }
    let url: string | undefined;
    if (mode !== 'worker') {
      server = await buildServer({
        logger,
        db: connection.db,
        incidents,
        metrics: createMetrics(),
        apiToken: config.env.apiToken,
      });
      await server.listen({ port: config.env.port, host: config.env.host });
      const addr = server.server.address();
      const port = addr && typeof addr === 'object' ? addr.port : config.env.port;
      url = `http://${config.env.host}:${port}`;
    }
    logStartup(logger, mode, config, connection, url);
    return { url, connection, incidents, stop };
  } catch (err) {
    await stop().catch((stopErr: unknown) =>
      logger.error({ err: stopErr }, 'cleanup after failed start failed'),
    );
    throw err;
  }
}

function logStartup(logger: Logger, mode: Mode, config: HeraldConfig, conn: Connection, url?: string): void {
  const db = conn.embedded ? `embedded PostgreSQL under ${config.env.dataDir}` : 'PostgreSQL at DATABASE_URL';
  if (!config.env.apiToken && mode !== 'worker') {
    logger.info('API off: HERALD_API_TOKEN is unset, so /api/v1 answers 401');
  }
  logger.info(
    { mode, url, database: db, config: config.source },
    `Herald ${mode} ready${url ? ` at ${url}` : ''} (${db}; config ${config.source})`,
  );
}
