import type { Kysely } from 'kysely';
import { Migrator, type MigrationResultSet } from 'kysely/migration';
import { runMigrations as runWorkerMigrations, Logger as WorkerLogger } from 'graphile-worker';
import type pg from 'pg';
import { migrations } from '../../migrations';
import type { Database } from './schema';

const provider = { getMigrations: async () => ({ ...migrations }) };

function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider });
}

/**
 * Applies Herald's migrations, then graphile-worker's own schema. Safe to run from several
 * processes at once: Kysely takes an advisory lock, graphile-worker serialises its own.
 */
export async function migrateToLatest(db: Kysely<Database>, pool: pg.Pool): Promise<string[]> {
  if (await allApplied(pool)) {
    await runWorkerMigrations({ pgPool: pool, logger: silentWorkerLogger }); // one query when current
    return [];
  }
  const result: MigrationResultSet = await migrator(db).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`migration ${failed} failed: ${cause}`);
  }
  await runWorkerMigrations({ pgPool: pool, logger: silentWorkerLogger });
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * True when every migration of this build is recorded as applied: one read, where Kysely's migrator
 * creates its tables if missing and takes a lock in a transaction first (about a third of a warm
 * start's time). Anything unexpected (no table yet, no permission) means "run the migrator".
 */
async function allApplied(pool: pg.Pool): Promise<boolean> {
  try {
    const { rows } = await pool.query<{ n: number }>(
      'select count(*)::int as n from kysely_migration where name = any($1::text[])',
      [Object.keys(migrations)],
    );
    return rows[0]?.n === Object.keys(migrations).length;
  } catch {
    return false;
  }
}

/** Names of migrations known to this build but not yet applied (readiness check). */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** graphile-worker logs every migration step at info; Herald reports migrations itself. */
const silentWorkerLogger = new WorkerLogger(() => () => undefined);
