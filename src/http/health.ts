import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { pendingMigrations } from '../db/migrate';
import type { Database } from '../db/schema';

/** Liveness (the process answers) and readiness (database reachable, migrations current). */
export function registerHealthRoutes(app: FastifyInstance, db: Kysely<Database>): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (req, reply) => {
    let pending: string[];
    try {
      await sql`select 1`.execute(db);
      pending = await pendingMigrations(db);
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'readiness: database unreachable');
      return reply.code(503).send({ status: 'unavailable', database: 'unreachable' });
    }
    if (pending.length > 0) {
      return reply.code(503).send({ status: 'unavailable', database: 'ok', pending_migrations: pending });
    }
    return { status: 'ready', database: 'ok', pending_migrations: [] };
  });
}
