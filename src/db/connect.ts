import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '../shared/logger';
import type { Database } from './schema';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded';

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

/** DATABASE_URL when given, else Herald's embedded PostgreSQL under dataDir. */
export async function connect(opts: {
  databaseUrl?: string;
  dataDir: string;
  logger: Logger;
  poolSize?: number;
}): Promise<Connection> {
  let embedded: EmbeddedDatabase | undefined;
  let url = opts.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(opts.dataDir, opts.logger);
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
