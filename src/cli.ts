import { checkConfig, loadConfig, ConfigError } from './config';
import { connect } from './db/connect';
import { migrateToLatest } from './db/migrate';
import { runHerald, type Mode } from './main';
import { createLogger } from './shared/logger';

const USAGE = `usage: herald <command>

commands:
  start               web + worker in one process (the default for npm start)
  web                 HTTP and Slack only
  worker              background jobs only
  migrate             apply database migrations and exit
  config check [file] validate herald.yml (or the given file); exit 1 on problems
`;

/** Writes to stdout/stderr for people at a terminal; the service itself logs through pino. */
const out = (s: string): boolean => process.stdout.write(`${s}\n`);
const err = (s: string): boolean => process.stderr.write(`${s}\n`);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'config' && rest[0] === 'check') return configCheck(rest[1]);
  if (command === 'start' || command === 'web' || command === 'worker') return serve(command);
  if (command === 'migrate') return migrate();
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
  for (const w of result.warnings) err(`warning: ${w}`);
  out(`${result.config.source}: ok`);
  return 0;
}

async function migrate(): Promise<number> {
  const config = loadConfig({ env: process.env });
  const logger = createLogger(config.env.logLevel);
  const conn = await connect({ databaseUrl: config.env.databaseUrl, dataDir: config.env.dataDir, logger });
  try {
    const applied = await migrateToLatest(conn.db, conn.pool);
    out(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    return 0;
  } finally {
    await conn.close();
  }
}

async function serve(mode: Mode): Promise<number> {
  const config = loadConfig({ env: process.env });
  const logger = createLogger(config.env.logLevel);
  const herald = await runHerald({ mode, config, logger });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        resolve(130);
        return;
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const force = setTimeout(() => {
        logger.error('shutdown took longer than 10 s; exiting');
        resolve(1);
      }, 10_000);
      force.unref();
      herald.stop().then(
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
