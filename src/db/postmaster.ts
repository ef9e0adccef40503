import fs from 'node:fs';
import path from 'node:path';

/**
 * What `postmaster.pid` in an embedded data directory says, checked against /proc: whether a
 * PostgreSQL of that directory runs, and whether a live Herald started it (to share it) or it was
 * orphaned by a SIGKILLed one (to stop it). Linux only, like the embedded binaries Herald ships.
 */
export type PidFileState = { kind: 'none' } | { kind: 'shared'; port: number };

/**
 * Reads `postmaster.pid`. A live postmaster whose parent is a live process (another Herald) is
 * shared; one whose parent is gone (orphaned by a SIGKILL) is stopped; a stale file is removed.
 */
export async function inspectPidFile(pgDir: string): Promise<PidFileState> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return { kind: 'none' };
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  const stat = Number.isInteger(pid) && pid > 0 ? procStat(pid) : undefined;
  if (stat && stat.state !== 'Z' && isPostgresOf(pid, pgDir)) {
    const parent = stat.ppid > 1 ? procStat(stat.ppid) : undefined;
    if (parent && parent.state !== 'Z' && isNode(stat.ppid)) return { kind: 'shared', port };
    process.kill(pid, 'SIGINT'); // fast shutdown of the orphan
    if (!(await waitGone(pid, 15_000))) process.kill(pid, 'SIGKILL');
    await waitGone(pid, 5_000);
  } else if (stat?.state === 'Z') {
    await waitGone(pid, 5_000);
  }
  fs.rmSync(pidFile, { force: true });
  return { kind: 'none' };
}

function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', ppid: Number(fields[1]) };
  } catch {
    return undefined; // no such process
  }
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function isPostgresOf(pid: number, pgDir: string): boolean {
  const cmd = cmdline(pid);
  return cmd.includes('postgres') && cmd.includes(pgDir);
}

function isNode(pid: number): boolean {
  try {
    return path.basename(fs.readlinkSync(`/proc/${pid}/exe`)).startsWith('node');
  } catch {
    return /\bnode\b/.test(cmdline(pid));
  }
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const stat = procStat(pid);
    if (!stat) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** The pid of the running postmaster of `pgDir`, if one runs (whoever started it). */
export function livePostmaster(pgDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined; // no pid file: not running
  }
  const stat = Number.isInteger(pid) && pid > 0 ? procStat(pid) : undefined;
  return stat && stat.state !== 'Z' && isPostgresOf(pid, pgDir) ? pid : undefined;
}
