import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '../common/logger';
import type { Database } from './schema';
import { startEmbeddedPostgres, type EmbeddedDatabase, type EmbeddedOptions } from './embedded';

/** int8 (counts, bigint ids) as numbers: ids stay far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export interface Connection {
  readonly db: Kysely<Database>;
  readonly pool: pg.Pool;
  readonly url: string;
  readonly embedded: boolean;
  /** Closes the pool, then stops the embedded server if this process started it. */
  close(): Promise<void>;
}

export function createPool(url: string, logger: Logger, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server (restart, network) must not crash the process; the next
  // checkout reconnects. Readiness reports the outage.
  pool.on('error', (err) => logger.warn({ err: err.message }, 'idle database connection lost'));
  pool.on('connect', (client) => {
    client.on('error', (err) => logger.warn({ err: err.message }, 'database connection lost'));
  });
  return pool;
}

export function kyselyFor(pool: pg.Pool): Kysely<Database> {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** DATABASE_URL when given, else Herald's embedded PostgreSQL under dataDir (restarted if it dies). */
export async function connect(opts: {
  databaseUrl?: string;
  dataDir: string;
  logger: Logger;
  poolSize?: number;
  embedded?: EmbeddedOptions;
}): Promise<Connection> {
  let embedded: EmbeddedDatabase | undefined;
  let url = opts.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(opts.dataDir, opts.logger, opts.embedded);
    url = embedded.url;
  }
  const pool = createPool(url, opts.logger, opts.poolSize);
  const db = kyselyFor(pool);
  return {
    db,
    pool,
    url,
    embedded: embedded !== undefined,
    close: async () => {
      await db.destroy(); // ends the pool
      await embedded?.stop();
    },
  };
}

/**
 * SQLSTATEs of a server that is gone or not there yet: connection exceptions (class 08), admin or
 * crash shutdown and "starting up" (57P01-57P03), too many connections (53300).
 */
const UNAVAILABLE_STATE = /^(08|57P0[123]$|53300$)/;
/** Socket errors of a connection attempt or of a connection that dropped. */
const UNAVAILABLE_SOCKET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** What pg and pg-pool say when a connection breaks or cannot be made in time. */
const UNAVAILABLE_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable)/;

/**
 * True when `err` says the database cannot be reached right now (down, restarting, unreachable),
 * as opposed to a query that is wrong: the caller should answer "unavailable, retry later" (HTTP
 * 503) or retry itself, and the same request will succeed once PostgreSQL is back.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  // Duck-typed, not instanceof: errors may come from another realm (a VM context, a test sandbox).
  const { code, syscall, severity, message, errors } = err as Record<string, unknown>;
  if (Array.isArray(errors)) return errors.some(isDatabaseUnavailable); // AggregateError: one per address
  if (typeof code === 'string' && typeof severity === 'string') return UNAVAILABLE_STATE.test(code); // from the server
  if (typeof code === 'string' && typeof syscall === 'string') return UNAVAILABLE_SOCKET.has(code); // from the socket
  return typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message);
}
