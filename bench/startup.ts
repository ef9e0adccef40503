/* eslint-disable no-console -- a benchmark prints its figures */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alertmanagerInstalled, alertmanagerVersion, startAlertmanager } from './alertmanager';
import { childNodeArgs, exited, freePort, readyWithin, round, rssMb, runAlone } from './support';

/**
 * Start-up and footprint of `herald start` as users run it (`node <flags> dist/src/cli.js start`, the
 * command `npm start` runs once the build is current; embedded PostgreSQL, nothing configured but
 * the shipped example), beside a real Prometheus Alertmanager (Debian's `prometheus-alertmanager`)
 * started in the same run:
 * - first start: a new data directory, so PostgreSQL is initialised (initdb) and migrated;
 * - warm restart: the same directory after a clean stop;
 * - restart after kill -9: Herald SIGKILLed (its PostgreSQL orphaned), then started again;
 * - RSS at rest: Herald's own process (PostgreSQL's are separate) REST_MS after ready.
 * "Ready" is the moment `/readyz` first answers 200, polled every 10 ms.
 */
const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/src/cli.js');
const REST_MS = 30_000;

async function startHerald(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort(); // a port of its own: other work on the machine takes ports too
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HERALD_DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'warn',
  };
  for (const k of ['DATABASE_URL', 'HERALD_CONFIG', 'SLACK_BOT_TOKEN', 'TWILIO_ACCOUNT_SID', 'SES_FROM'])
    delete env[k];
  const child = spawn(process.execPath, [...childNodeArgs(), CLI, 'start'], {
    env,
    cwd: dataDir,
    stdio: ['ignore', 'ignore', 'inherit'], // why it exited, if it does
  });
  return { child, url: `http://127.0.0.1:${port}/readyz` };
}

async function herald(): Promise<Record<string, number>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-start-'));
  fs.chmodSync(dataDir, 0o755); // as root, PostgreSQL runs as `postgres` and must enter it
  try {
    let h = await startHerald(dataDir);
    const firstMs = await readyWithin(h.url, h.child);
    h.child.kill('SIGTERM');
    await exited(h.child);

    const warm: number[] = [];
    let restMb = 0;
    for (let i = 0; i < 3; i++) {
      h = await startHerald(dataDir);
      warm.push(await readyWithin(h.url, h.child));
      if (i === 0) {
        await new Promise((r) => setTimeout(r, REST_MS));
        restMb = rssMb(h.child.pid!);
      }
      h.child.kill('SIGTERM');
      await exited(h.child);
    }

    const killed: number[] = [];
    for (let i = 0; i < 3; i++) {
      h = await startHerald(dataDir);
      await readyWithin(h.url, h.child);
      h.child.kill('SIGKILL'); // PostgreSQL lives on, orphaned: the next start must deal with it
      await exited(h.child);
      h = await startHerald(dataDir);
      killed.push(await readyWithin(h.url, h.child));
      h.child.kill('SIGTERM');
      await exited(h.child);
    }
    return {
      herald_first_start_ms: round(firstMs, 0),
      herald_warm_restart_ms: round(Math.min(...warm), 0),
      herald_warm_restart_worst_ms: round(Math.max(...warm), 0),
      herald_after_kill9_ms: round(Math.min(...killed), 0),
      herald_after_kill9_worst_ms: round(Math.max(...killed), 0),
      herald_rss_at_rest_mb: round(restMb, 0),
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function alertmanager(): Promise<Record<string, number>> {
  if (!alertmanagerInstalled()) return {};
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-am-'));
  console.log(`peer: ${alertmanagerVersion()}`);
  try {
    const starts: number[] = [];
    let restMb = 0;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const am = await startAlertmanager(dir);
      starts.push(performance.now() - t0);
      if (i === 0) {
        await new Promise((r) => setTimeout(r, REST_MS));
        restMb = rssMb(am.child.pid!);
      }
      await am.stop();
    }
    return {
      alertmanager_start_ms: round(Math.min(...starts), 0),
      alertmanager_rss_at_rest_mb: round(restMb, 0),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, number>> {
  const h = await herald();
  const am = await alertmanager();
  const ratio: Record<string, number> = {};
  if (am.alertmanager_start_ms)
    ratio.warm_restart_vs_alertmanager = round(h.herald_warm_restart_ms! / am.alertmanager_start_ms, 1);
  return { ...h, ...am, ...ratio };
}

if (require.main === module) runAlone(run);
