import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { NODE_FLAGS } from '../../src/runtime';

/**
 * Herald as its own operating-system process: the built CLI (`npm run build` first), as the
 * process tests and fault tests run it. Every process started here is remembered so that a test
 * that fails midway leaves none behind (`killAll` in afterAll).
 */
export const CLI = path.resolve(__dirname, '../../dist/src/cli.js');

export interface HeraldProcess {
  readonly mode: string;
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Its exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

const started: ChildProcess[] = [];

/** `herald <mode>` with exactly `env` (merge `process.env` yourself when wanted). */
export function spawnHerald(
  mode: 'start' | 'web' | 'worker',
  env: NodeJS.ProcessEnv,
  opts: { cwd?: string } = {},
): HeraldProcess {
  const child = spawn(process.execPath, [...NODE_FLAGS, CLI, mode], {
    env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { mode, child, output: () => out, exited };
}

/** SIGKILLs every process started here that still runs. */
export function killAll(): void {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

/** True while `pid` runs (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `condition` every 20 ms until it holds, or throws naming `what` after `ms`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Pid and port of the embedded PostgreSQL of Herald's data directory, from its pid file. */
export function postmasterOf(dataDir: string): { pid: number; port: number } | undefined {
  const file = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!fs.existsSync(file)) return undefined;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}
