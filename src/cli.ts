import { checkConfig, loadConfig, ConfigError } from './config';
import { connect, type Connection } from './db/connect';
import { migrateToLatest } from './db/migrate';
import { runHerald, type Mode } from './main';
import { sealAudit, verifyAudit } from './notifications/audit';
import { coverageWarnings } from './escalation/coverage';
import { parseWhoIsPagedArgs, whoIsPaged } from './escalation/who-is-paged';
import { systemClock } from './common/clock';
import { isHeraldError } from './common/errors';
import { createLogger } from './common/logger';

const USAGE = `usage: herald <command>

commands:
  start               web + worker in one process (the default for npm start)
  web                 HTTP and Slack only
  worker              background jobs only
  migrate             apply database migrations and exit
  config check [file] validate herald.yml (or the given file); exit 1 on problems
  audit verify        check the notification audit trail's hash chain; exit 1 on a break
  who-is-paged --severity S [--service X] [--at ISO-time]
                      dry run: who is paged, at which minute, on which channel
`;

/** Writes to stdout/stderr for people at a terminal; the service itself logs through pino. */
const out = (s: string): boolean => process.stdout.write(`${s}\n`);
const err = (s: string): boolean => process.stderr.write(`${s}\n`);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'config' && rest[0] === 'check') return configCheck(rest[1]);
  if (command === 'start' || command === 'web' || command === 'worker') return serve(command);
  if (command === 'migrate') return migrate();
  if (command === 'audit' && rest[0] === 'verify') return auditVerify();
  if (command === 'who-is-paged') return whoIsPagedCommand(rest);
  err(
    command && command !== 'help' && command !== '--help'
      ? `unknown command "${command}"\n\n${USAGE}`
      : USAGE,
  );
  return command === 'help' || command === '--help' ? 0 : 2;
}

function configCheck(file: string | undefined): number {
  const result = checkConfig({ env: process.env, file });
  if (!result.ok) {
    err(`configuration has ${result.problems.length} problem(s):`);
    for (const p of result.problems) err(`  - ${p}`);
    return 1;
  }
  for (const w of [...result.warnings, ...coverageWarnings(result.config.file, systemClock.now())]) {
    err(`warning: ${w}`);
  }
  out(`${result.config.source}: ok`);
  return 0;
}

/** Runs `work` on a database connection (embedded or DATABASE_URL), closing it afterwards. */
async function withDatabase(work: (conn: Connection) => Promise<number>): Promise<number> {
  const config = loadConfig({ env: process.env });
  const logger = createLogger(config.env.logLevel);
  const conn = await connect({ databaseUrl: config.env.databaseUrl, dataDir: config.env.dataDir, logger });
  try {
    return await work(conn);
  } finally {
    await conn.close();
  }
}

function migrate(): Promise<number> {
  return withDatabase(async (conn) => {
    const applied = await migrateToLatest(conn.db, conn.pool);
    out(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    return 0;
  });
}

function whoIsPagedCommand(argv: string[]): number {
  try {
    const args = parseWhoIsPagedArgs(argv);
    const { file } = loadConfig({ env: process.env });
    out(whoIsPaged(file, { ...args, at: args.at ?? systemClock.now() }).trimEnd());
    return 0;
  } catch (e) {
    if (isHeraldError(e) && e.code === 'Validation') {
      err(e.message);
      return 2;
    }
    throw e;
  }
}

function auditVerify(): Promise<number> {
  return withDatabase(async (conn) => {
    // Chain what a stopped Herald left unsealed (what a running worker does on every tick).
    while ((await sealAudit(conn.db)) > 0);
    const verdict = await verifyAudit(conn.db);
    const b = verdict.brokenAt;
    if (b) {
      err(`audit trail BROKEN at row ${b.id} (position ${b.seq}): ${b.problem} (${verdict.rows} rows read)`);
      return 1;
    }
    const pending = verdict.unsealed ? `; ${verdict.unsealed} written meanwhile, not sealed yet` : '';
    out(`audit trail intact: ${verdict.rows} rows, every hash and link verified${pending}`);
    return 0;
  });
}

async function serve(mode: Mode): Promise<number> {
  const config = loadConfig({ env: process.env });
  const logger = createLogger(config.env.logLevel);
  return new Promise<number>((resolve, reject) => {
    // Signals are Herald's from the first moment: a SIGTERM while it is still starting (the
    // embedded PostgreSQL coming up, migrations, modules starting) waits for the start to end
    // and then stops what was started, instead of killing the process and orphaning PostgreSQL.
    let stopping = false;
    const started = runHerald({ mode, config, logger });
    started.catch((e: unknown) => {
      if (!stopping) reject(e); // else the shutdown below reports it
    });
    const shutdown = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        resolve(130);
        return;
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      // Two bounds: the start under way gets 30 s to end, then the drain gets 10 s. One 10 s bound
      // from the signal made a slow start (a loaded machine, PostgreSQL recovering) exit 1.
      const bound = (ms: number, what: string): NodeJS.Timeout =>
        setTimeout(() => {
          logger.error(`${what} took longer than ${ms / 1000} s; exiting`);
          resolve(1);
        }, ms).unref();
      const starting = bound(30_000, 'start-up (before shutting down)');
      started
        .then((herald) => {
          clearTimeout(starting);
          bound(10_000, 'shutdown');
          return herald.stop();
        })
        .then(
          () => {
            logger.info('stopped');
            resolve(0);
          },
          (e: unknown) => {
            logger.error({ err: e }, 'error during shutdown');
            resolve(1);
          },
        );
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof ConfigError) {
      err(e.message);
    } else {
      err(`herald: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
    process.exit(1);
  },
);
