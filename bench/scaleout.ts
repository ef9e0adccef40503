import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfigText } from '../src/config';
import { runHerald, type RunningHerald } from '../src/main';
import { createLogger } from '../src/common/logger';
import { config, latencies, providerEnv, waitUntil } from './notifications';
import { startBenchProviders } from './providers';
import { benchServer, childNodeArgs, percentile, round, runAlone } from './support';

/**
 * Scale-out: the notifications benchmark's burst (incidents of 100 deliveries each, declared 20 at
 * a time, providers answering in 50 ms) sent by separate `herald worker` processes, first one and
 * then two, on one PostgreSQL. This process is the web side (declarations commit the deliveries
 * and their jobs) and hosts the provider stand-ins; the workers are the real CLI.
 *
 * On a machine with few cores the workers share them with PostgreSQL, the stand-ins and the
 * declaring process, so the second worker shows how much of the bottleneck is one Node event loop.
 */
const CLI = path.resolve(__dirname, '../src/cli.js');
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 100);
const CONCURRENCY = process.env.HERALD_WORKER_CONCURRENCY ?? '32';

function startWorker(env: NodeJS.ProcessEnv): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [...childNodeArgs(), CLI, 'worker'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

async function burst(
  herald: RunningHerald,
  workers: number,
  env: NodeJS.ProcessEnv,
  since: { id: number },
): Promise<{ perSecond: number; p99: number; wallS: number }> {
  const procs = Array.from({ length: workers }, () => startWorker(env));
  try {
    const declare = (i: number) =>
      herald.incidents.declare(
        { title: `Scale-out ${workers}w ${i}`, severity: 'critical', services: ['checkout'] },
        'bench',
      );
    // Warm-up: every worker connected and its SDK clients used once.
    for (let i = 0; i < workers * 2; i++) await declare(-1);
    await waitUntil(herald.connection.db, workers * 2 * 100, since.id);
    since.id += workers * 2;

    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < INCIDENTS) await declare(next++);
      }),
    );
    await waitUntil(herald.connection.db, INCIDENTS * 100, since.id);
    const wallS = (Date.now() - t0) / 1000;
    const b = await latencies(herald.connection.db, since.id);
    since.id += INCIDENTS;
    return {
      perSecond: round((b.total / b.spanMs) * 1000, 0),
      p99: round(percentile(b.per, 99)),
      wallS: round(wallS, 2),
    };
  } finally {
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
  }
}

export async function run(): Promise<Record<string, number>> {
  const server = await benchServer();
  const providers = await startBenchProviders(50);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-scaleout-'));
  let herald: RunningHerald | undefined;
  try {
    const url = await server.freshDatabase('herald_bench_scaleout');
    const yaml = config(providers);
    fs.writeFileSync(path.join(dir, 'herald.yml'), yaml);
    const env: NodeJS.ProcessEnv = { PORT: '0', DATABASE_URL: url, ...providerEnv(providers) };
    const workerEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...env,
      HERALD_CONFIG: path.join(dir, 'herald.yml'),
      HERALD_WORKER_CONCURRENCY: CONCURRENCY,
      LOG_LEVEL: 'warn',
    };
    herald = await runHerald({
      mode: 'web',
      config: parseConfigText(yaml, env, 'bench.yml'),
      logger: createLogger('warn'),
    });
    const since = { id: 0 };
    const one = await burst(herald, 1, workerEnv, since);
    const two = await burst(herald, 2, workerEnv, since);
    return {
      incidents: INCIDENTS,
      deliveries_per_incident: 100,
      worker_concurrency: Number(CONCURRENCY),
      one_worker_deliveries_per_s: one.perSecond,
      one_worker_latency_p99_ms: one.p99,
      one_worker_wall_s: one.wallS,
      two_workers_deliveries_per_s: two.perSecond,
      two_workers_latency_p99_ms: two.p99,
      two_workers_wall_s: two.wallS,
      speedup: round(two.perSecond / Math.max(1, one.perSecond), 2),
    };
  } finally {
    await herald?.stop();
    await providers.stop();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) runAlone(run);
