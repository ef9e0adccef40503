import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfigText, type HeraldConfig } from '../../src/config';
import { runHerald, type Mode, type RunningHerald } from '../../src/main';
import type { Clock } from '../../src/common/clock';
import type { Logger } from '../../src/common/logger';
import { testLogger } from './db';

/**
 * The whole of Herald in this process (composition root, modules, HTTP on a random port, worker),
 * over a test database: what end-to-end tests drive with real HTTP and fake providers.
 * `configYaml` defaults to the shipped example; `env` is merged over a minimal environment.
 */
export async function startTestHerald(opts: {
  databaseUrl: string;
  clock?: Clock;
  configYaml?: string;
  env?: Record<string, string>;
  mode?: Mode;
  /** Provider call timeout for the channel adapters (runHerald's test seam); default 10 s. */
  providerTimeoutMs?: number;
  /** Default: the shared test logger (level from TEST_LOG_LEVEL). */
  logger?: Logger;
}): Promise<RunningHerald & { config: HeraldConfig }> {
  const yaml =
    opts.configYaml ?? fs.readFileSync(path.resolve(__dirname, '../../herald.example.yml'), 'utf8');
  const env: NodeJS.ProcessEnv = {
    PORT: '0',
    HOST: '127.0.0.1',
    HERALD_DATA_DIR: path.join(os.tmpdir(), 'herald-unused'),
    // Small pools: several test files run Herald at once against one server.
    HERALD_WORKER_CONCURRENCY: '8',
    ...opts.env,
    DATABASE_URL: opts.databaseUrl,
  };
  const config = parseConfigText(yaml, env, 'test-config.yml');
  const herald = await runHerald({
    mode: opts.mode ?? 'start',
    config,
    logger: opts.logger ?? testLogger,
    clock: opts.clock,
    providerTimeoutMs: opts.providerTimeoutMs,
    // No metrics timer behind a test's back: tests call refreshMetrics() when they scrape.
    metricsRefreshMs: 0,
  });
  return Object.assign(herald, { config });
}
