import type { Kysely, RawBuilder } from 'kysely';
import type pg from 'pg';
import type { Database } from './schema';
import { isDatabaseUnavailable } from './connect';

/**
 * A transaction whose statements travel together. Each statement of an ordinary transaction is a
 * round trip: the client waits for its answer before sending the next, and under load every wait
 * also queues behind the event loop. With node-postgres' pipeline mode (pg ≥ 8.23) statements
 * issued together are written at once and PostgreSQL runs them in order, each with its own Sync:
 * `begin`, a locking statement and a read behind it cost one round trip, a write and `commit`
 * another. Order is still the server's: a statement runs after the ones sent before it, so a read
 * sent behind a lock sees what the lock holder committed.
 *
 * Statements sent in the same tick also share one write to the socket (it is corked until the
 * tick's microtasks run): a write is a system call, and each wakes the server process.
 *
 * The client is the pool's (its limits, outage handling and type parsers hold); pipeline mode is
 * on only while this transaction holds it. Kysely is not used to run these statements (it sends a
 * connection's queries one at a time); it only compiles them.
 */
export interface Pipeline {
  /** Sends `query` now, behind anything sent before it; resolves with its rows. */
  rows<R>(query: RawBuilder<R>): Promise<R[]>;
  /** Sends `begin`. */
  begin(): Promise<void>;
  /** Sends `commit`: the transaction is durable when this resolves. */
  commit(): Promise<void>;
}

/** The pipeline-mode switch of pg's Client (a constructor option, read on every send). */
type Switchable = pg.PoolClient & { pipeline: boolean };

/**
 * Runs `body` on one pooled client in pipeline mode. `body` sends `begin` and `commit` itself
 * (so that each can share a round trip with the statements beside it); when `body` throws, an
 * open transaction is rolled back. A client whose connection failed is discarded, not returned.
 */
export async function withPipeline<T>(
  pool: pg.Pool,
  db: Kysely<Database>,
  body: (p: Pipeline) => Promise<T>,
): Promise<T> {
  const client = (await pool.connect()) as Switchable;
  client.pipeline = true;
  const socket = client.connection.stream;
  let corked = false;
  const send = <R>(text: string, values?: readonly unknown[]) => {
    if (!corked) {
      corked = true;
      socket.cork();
      queueMicrotask(() => {
        corked = false;
        socket.uncork();
      });
    }
    return client.query<R & pg.QueryResultRow>(text, values as unknown[] | undefined);
  };
  const pipeline: Pipeline = {
    rows: async <R>(query: RawBuilder<R>) => {
      const { sql, parameters } = query.compile(db);
      return (await send<R>(sql, parameters)).rows;
    },
    begin: async () => void (await send('begin')),
    commit: async () => void (await send('commit')),
  };
  let broken: Error | undefined;
  try {
    return await body(pipeline);
  } catch (err) {
    if (isDatabaseUnavailable(err)) {
      broken = err as Error;
    } else {
      // A rollback outside a transaction only warns; one that fails means the connection is gone.
      await client.query('rollback').catch((e: unknown) => (broken = e as Error));
    }
    throw err;
  } finally {
    client.pipeline = false;
    client.release(broken);
  }
}
