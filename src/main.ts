import type { FastifyInstance } from 'fastify';
import type { HeraldConfig } from './config';
import { redactedEnv } from './config';
import { connect, type Connection } from './db/connect';
import { migrateToLatest } from './db/migrate';
import { buildServer } from './http/server';
import { startAdminServer } from './http/admin';
import { createMetrics, GAUGE_REFRESH_MS, startGaugeRefresh, type GaugeRefresh } from './http/metrics';
import { ingestModule, ingestOptionsFromConfig } from './ingest';
import { createNotifications } from './notifications';
import { deliveryHealth, subscriberMailer } from './notifications/subscriber-mailer';
import { ackSecretLoader, escalationModule } from './escalation';
import { slackModule } from './slack';
import { statusPageModule } from './statuspage';
import { IncidentService } from './incidents/incident.service';
import { systemClock, type Clock } from './common/clock';
import type { Logger } from './common/logger';
import { tickFailed, type HeraldModule, type ModuleContext } from './modules';
import { startWorker, type JobWorker } from './worker';

/** Feature modules, in the order their subscribers run inside each incident transaction. */
function createModules(ctx: ModuleContext, providerTimeoutMs: number | undefined): HeraldModule[] {
  const ackSecret = ackSecretLoader(ctx);
  const notifications = createNotifications(ctx, { ackSecret, providerTimeoutMs });
  const slack = slackModule(ctx);
  const escalation = escalationModule(ctx, {
    enqueue: notifications.enqueue,
    remind: slack.threadNote,
    ackSecret,
  });
  return [
    notifications.module,
    escalation,
    slack,
    statusPageModule(ctx, {
      deliveryHealth: deliveryHealth(ctx.db),
      mailer: subscriberMailer(notifications.enqueue),
    }),
    ingestModule(ctx, ingestOptionsFromConfig(ctx.config.file)),
  ];
}

export type Mode = 'start' | 'web' | 'worker';

export interface RunningHerald {
  /** Base URL of the HTTP server (absent in worker mode). */
  readonly url?: string;
  /** Base URL of the loopback admin listener (present when HERALD_ADMIN_PORT is set). */
  readonly adminUrl?: string;
  readonly connection: Connection;
  readonly incidents: IncidentService;
  /** Runs every module's clock-driven work once (see HeraldModule.tick); for tests and tools. */
  tick(): Promise<void>;
  /** Recomputes the database-derived gauges now (what the metrics timer does every 15 s). */
  refreshMetrics(): Promise<void>;
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
  /**
   * Test seam, never set in production: the per-call timeout of provider calls made by the
   * channel adapters (Twilio, SES, SNS, PagerDuty, Slack deliveries) instead of their 10 s
   * default, so fault tests can make a hung provider time out in milliseconds. Webhooks take
   * theirs from `webhooks[].timeout_ms`.
   */
  providerTimeoutMs?: number;
  /**
   * Interval of the database-derived gauges' refresh; default GAUGE_REFRESH_MS (15 s). 0: no
   * timer, only the refresh at start and `refreshMetrics()` (tests, so no query runs behind them).
   */
  metricsRefreshMs?: number;
}): Promise<RunningHerald> {
  const { config, logger, mode } = opts;
  const clock = opts.clock ?? systemClock;
  logger.debug({ env: redactedEnv(config.env), configFile: config.source }, 'configuration');

  const connection = await connect({
    databaseUrl: config.env.databaseUrl,
    dataDir: config.env.dataDir,
    logger,
    poolSize: config.env.dbPoolSize,
  });
  let server: FastifyInstance | undefined;
  let admin: FastifyInstance | undefined;
  let gauges: GaugeRefresh | undefined;
  let runner: JobWorker | undefined;
  let modules: HeraldModule[] = [];
  let stopping: Promise<void> | undefined;
  // Once: a second call (a test's afterAll after the test stopped it) waits for the first.
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await gauges?.stop();
      for (const m of [...modules].reverse()) await m.stop?.();
      await server?.close();
      await admin?.close();
      await runner?.stop();
      await connection.close();
    })());

  try {
    const applied = await migrateToLatest(connection.db, connection.pool);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');

    const incidents = new IncidentService({
      db: connection.db,
      clock,
      knownServices: new Set(config.file.services.map((s) => s.id)),
    });
    const metrics = createMetrics();
    const ctx: ModuleContext = {
      config,
      db: connection.db,
      pool: connection.pool,
      logger,
      clock,
      incidents,
      metrics,
    };
    modules = createModules(ctx, opts.providerTimeoutMs);
    for (const m of modules) for (const sub of m.subscribers ?? []) incidents.subscribe(sub);

    if (mode !== 'web') {
      runner = await startWorker({
        pool: connection.pool,
        logger,
        concurrency: config.env.workerConcurrency,
        tasks: Object.assign({}, ...modules.map((m) => m.tasks ?? {})),
        crontab: modules.flatMap((m) => m.crontab ?? []).join('\n'),
      });
    }
    let url: string | undefined;
    if (mode !== 'worker') {
      server = await buildServer({
        logger,
        db: connection.db,
        incidents,
        metrics,
        apiToken: config.env.apiToken,
        clock,
        authThrottle: config.file.authThrottle,
        metricsToken: config.env.metricsToken,
        routes: modules.flatMap((m) => (m.routes ? [m.routes] : [])),
        fastPaths: modules.flatMap((m) => m.fastPaths ?? []),
        trustProxy: config.file.http.trustProxy,
      });
      await server.listen({ port: config.env.port, host: config.env.host });
      const addr = server.server.address();
      const port = addr && typeof addr === 'object' ? addr.port : config.env.port;
      url = `http://${config.env.host}:${port}`;
    }
    let adminUrl: string | undefined;
    if (config.env.adminPort !== undefined) {
      const started = await startAdminServer({
        logger,
        db: connection.db,
        metrics,
        port: config.env.adminPort,
      });
      admin = started.server;
      adminUrl = started.url;
    }
    const refreshers = modules.flatMap((m) => (m.refreshMetrics ? [m.refreshMetrics] : []));
    const serving = server !== undefined || admin !== undefined;
    gauges = startGaugeRefresh(
      serving ? refreshers : [],
      opts.metricsRefreshMs ?? GAUGE_REFRESH_MS,
      tickFailed(logger, 'metrics'),
    );
    // Once at start, so the first scrape has figures; a failure is reported, not fatal.
    if (serving) await gauges.refresh().catch(tickFailed(logger, 'metrics'));
    for (const m of modules) await m.start?.(runner);
    logStartup(logger, mode, config, connection, url, adminUrl);
    const tick = async (): Promise<void> => {
      for (const m of modules) await m.tick?.();
    };
    const refreshMetrics = (): Promise<void> => gauges?.refresh() ?? Promise.resolve();
    return { url, adminUrl, connection, incidents, tick, refreshMetrics, stop };
  } catch (err) {
    await stop().catch((stopErr: unknown) =>
      logger.error({ err: stopErr }, 'cleanup after failed start failed'),
    );
    throw err;
  }
}

function logStartup(
  logger: Logger,
  mode: Mode,
  config: HeraldConfig,
  conn: Connection,
  url?: string,
  adminUrl?: string,
): void {
  const db = conn.embedded ? `embedded PostgreSQL under ${config.env.dataDir}` : 'PostgreSQL at DATABASE_URL';
  if (!config.env.apiToken && mode !== 'worker') {
    logger.info('API off: HERALD_API_TOKEN is unset, so /api/v1 answers 401');
  }
  if (!config.env.metricsToken && !config.env.apiToken && mode !== 'worker') {
    logger.info('/metrics answers 401: set HERALD_METRICS_TOKEN or HERALD_API_TOKEN, or HERALD_ADMIN_PORT');
  }
  if (adminUrl) logger.info({ adminUrl }, `admin listener (/metrics, /readyz) at ${adminUrl}`);
  logger.info(
    { mode, url, database: db, config: config.source },
    `Herald ${mode} ready${url ? ` at ${url}` : ''} (${db}; config ${config.source})`,
  );
}
