import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { pendingMigrations } from '../db/migrate';
import type { Database } from '../db/schema';

/**
 * Liveness (the process answers) and readiness (database reachable, migrations current). The
 * public listener says only ready or not (`detailed: false`): which part is down, and which
 * migrations are pending, is for operators, so it goes to the log and to the loopback admin
 * listener (`detailed: true`), never to whoever can reach the status page.
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  db: Kysely<Database>,
  opts: { detailed: boolean },
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (req, reply) => {
    let pending: string[];
    try {
      await sql`select 1`.execute(db);
      pending = await pendingMigrations(db);
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'readiness: database unreachable');
      return reply
        .code(503)
        .send(opts.detailed ? { status: 'unavailable', database: 'unreachable' } : { status: 'unavailable' });
    }
    if (pending.length > 0) {
      req.log.warn({ pendingMigrations: pending }, 'readiness: migrations pending');
      return reply
        .code(503)
        .send(
          opts.detailed
            ? { status: 'unavailable', database: 'ok', pending_migrations: pending }
            : { status: 'unavailable' },
        );
    }
    return opts.detailed ? { status: 'ready', database: 'ok', pending_migrations: [] } : { status: 'ready' };
  });
}
