import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createPool, kyselyFor } from '../../src/db/connect';
import type { Database } from '../../src/db/schema';
import { createLogger } from '../../src/common/logger';
import { withDatabase } from './url';

export interface TestDatabase {
  readonly db: Kysely<Database>;
  readonly pool: pg.Pool;
  readonly url: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is unset: run tests through jest (its globalSetup starts PostgreSQL)`);
  return v;
}

export const testLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

/** A fresh, migrated database for one test file, cloned from the template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = env('HERALD_TEST_ADMIN_URL');
  const template = env('HERALD_TEST_TEMPLATE');
  const name = `herald_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // Two files cloning at the same moment can see "source database is being accessed"; retry.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${template}`);
        break;
      } catch (e) {
        if (attempt >= 20 || !/being accessed by other users/.test((e as Error).message)) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const pool = createPool(url, testLogger, 5);
  const db = kyselyFor(pool);
  return {
    db,
    pool,
    url,
    drop: async () => {
      await db.destroy();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
