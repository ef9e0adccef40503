import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildServer, type ServerDeps } from '../src/http/server';
import { startEmbeddedPostgres } from '../src/db/embedded';
import { createLogger } from '../src/common/logger';
import { NODE_FLAGS } from '../src/runtime';

/**
 * A PostgreSQL server for a benchmark: DATABASE_URL's when set, else an embedded one in a temp
 * directory. `freshDatabase` gives each scenario its own empty database on it.
 */
export interface BenchServer {
  readonly adminUrl: string;
  freshDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function benchServer(): Promise<BenchServer> {
  let adminUrl = process.env.DATABASE_URL;
  let stop = async (): Promise<void> => undefined;
  if (!adminUrl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-pg-'));
    fs.chmodSync(dir, 0o755); // as root, PostgreSQL runs as `postgres` and must enter it
    const embedded = await startEmbeddedPostgres(dir, createLogger('warn'));
    adminUrl = embedded.url;
    stop = async () => {
      await embedded.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  const admin = adminUrl;
  return {
    adminUrl: admin,
    stop,
    freshDatabase: async (name) => {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.query(`create database ${name}`);
      await client.end();
      const u = new URL(admin);
      u.pathname = `/${name}`;
      return u.toString();
    },
  };
}

/** Percentile of a sorted-or-not sample (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * The benchmark child's HTTP server: Herald's real fastify server with one module's routes and no
 * API token, listening on a free port of 127.0.0.1. Prints `READY <url>` once the caller's
 * `beforeReady` has run, which is what the parent waits for.
 */
export async function serveForBench(
  deps: Omit<ServerDeps, 'apiToken'>,
  beforeReady: () => Promise<void> = async () => undefined,
): Promise<FastifyInstance> {
  const app = await buildServer({ ...deps, apiToken: undefined });
  await app.listen({ port: 0, host: '127.0.0.1' });
  await beforeReady();
  const addr = app.server.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  process.stdout.write(`READY http://127.0.0.1:${port}\n`);
  return app;
}

/**
 * Node arguments for a benchmark's child processes: Herald's own flags (they run as in production),
 * then BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them.
 */
export function childNodeArgs(): string[] {
  return [...NODE_FLAGS, ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
}

/**
 * Herald runs inside some benchmark processes, so they need its node flags. Started without them
 * (`node dist/bench/<name>.js`), the process runs itself again with them and returns false: the
 * caller stops, and the exit code is the child's.
 */
export function withHeraldFlags(): boolean {
  if (NODE_FLAGS.every((f) => process.execArgv.includes(f))) return true;
  const args = [...NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)];
  process.exitCode = spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? 1;
  return false;
}

/** `node dist/bench/<name>.js`: runs one benchmark alone and prints its figures. */
export function runAlone(run: () => Promise<Record<string, number>>): void {
  if (!withHeraldFlags()) return;
  run().then(
    (figures) => {
      console.table(figures); // eslint-disable-line no-console -- a benchmark prints its figures
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err); // eslint-disable-line no-console -- and its failure
      process.exit(1);
    },
  );
}

/** Polls `url` every 10 ms until it answers 200; the ms it took. Fails if `child` exits first. */
export async function readyWithin(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before it was ready`);
    try {
      const r = await fetch(url);
      if (r.status === 200) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > timeoutMs) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves once `child` has exited (at once if it already has). */
export const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

/** A process's resident set (VmRSS) in MB, from /proc; 0 once it is gone. */
export function rssMb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/**
 * Samples a process's VmRSS every 100 ms until `stop`, which returns the peak in MB. A window of
 * its own per load, which VmHWM (the peak since the process started) cannot give.
 */
export function sampleRss(pid: number): { stop(): number } {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  return {
    stop: () => {
      clearInterval(timer);
      return round(Math.max(peak, rssMb(pid)), 0);
    },
  };
}

/** A free TCP port of 127.0.0.1 (for processes that take a port, not 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
