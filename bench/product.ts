import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { createLogger } from '../src/common/logger';
import { createPool, kyselyFor } from '../src/db/connect';
import type { Database } from '../src/db/schema';
import { childNodeArgs, exited, freePort, readyWithin } from './support';

/**
 * Herald as users run it, for benchmarks: `node <flags> dist/src/cli.js start` (web + worker +
 * every module in one process, what `npm start` runs once the build is current) on its embedded
 * PostgreSQL in a temp HERALD_DATA_DIR, with a generated herald.yml, a port of its own and
 * LOG_LEVEL=warn. Ready is `/readyz` answering 200.
 *
 * The benchmark reads the product's database (to check what was stored and to time pages from
 * the database's own timestamps) over a small pool of its own, with the credentials and port the
 * embedded server keeps in the data directory.
 */
export interface Product {
  readonly url: string;
  readonly pid: number;
  readonly apiToken: string;
  /** The product's database, read by the benchmark (4 connections of its own). */
  readonly db: Kysely<Database>;
  /** Stops the product (SIGTERM: it drains and stops its PostgreSQL) and removes its data. */
  stop(): Promise<void>;
}

const CLI = path.resolve(__dirname, '../src/cli.js');
export const BENCH_API_TOKEN = 'bench-api-token-0123456789abcdef';

/** The embedded server's URL, from the files it keeps in the data directory. */
function embeddedUrl(dataDir: string): string {
  const creds = JSON.parse(fs.readFileSync(path.join(dataDir, 'pg-credentials.json'), 'utf8')) as {
    user: string;
    password: string;
  };
  const port = Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]);
  return `postgres://${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@127.0.0.1:${port}/postgres`;
}

/** Starts `herald start` with `configYaml` as its herald.yml and `env` added to the environment. */
export async function startProduct(configYaml: string, env: Record<string, string> = {}): Promise<Product> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-product-'));
  fs.chmodSync(dataDir, 0o755); // as root, PostgreSQL runs as `postgres` and must enter it
  const configFile = path.join(dataDir, 'herald.yml');
  fs.writeFileSync(configFile, configYaml);
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    HERALD_DATA_DIR: dataDir,
    HERALD_CONFIG: configFile,
    HERALD_API_TOKEN: BENCH_API_TOKEN,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...env,
  };
  delete childEnv.DATABASE_URL; // the embedded PostgreSQL, as `npm start` runs out of the box
  const child: ChildProcess = spawn(process.execPath, [...childNodeArgs(), CLI, 'start'], {
    env: childEnv,
    cwd: dataDir,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  let pool: pg.Pool | undefined;
  const stop = async (): Promise<void> => {
    await pool?.end();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await readyWithin(`${url}/readyz`, child, 120_000);
    pool = createPool(embeddedUrl(dataDir), createLogger('warn'), 4);
    return { url, pid: child.pid!, apiToken: BENCH_API_TOKEN, db: kyselyFor(pool), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Declares an incident through the product's API (`POST /api/v1/incidents`); its ref. */
export async function declareOverApi(
  product: Product,
  body: { title: string; severity: string; services: string[] },
): Promise<string> {
  const res = await fetch(`${product.url}/api/v1/incidents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${product.apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { ref?: string };
  if (res.status !== 201 || typeof json.ref !== 'string')
    throw new Error(`declare answered ${res.status}: ${JSON.stringify(json)}`);
  return json.ref;
}

/**
 * Waits until the product's worker has caught up: no graphile-worker job due now (scheduled and
 * backed-off ones excluded), so that a phase measured next does not pay for the previous one.
 */
export async function settled(product: Product, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const due = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs
      where run_at <= now()`.execute(product.db);
    if ((due.rows[0]?.n ?? 0) === 0) return;
    if (Date.now() > deadline) throw new Error(`${due.rows[0]?.n} jobs still due after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
