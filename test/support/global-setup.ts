import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createPool, kyselyFor } from '../../src/db/connect';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded';
import { migrateToLatest } from '../../src/db/migrate';
import { createLogger } from '../../src/common/logger';
import { withDatabase } from './url';

/**
 * Runs once per Jest run, outside the test sandboxes: starts one PostgreSQL (embedded, or the
 * server named by TEST_DATABASE_URL), builds a migrated template database, and hands its URL to
 * the test files through environment variables. Each test file then clones the template
 * (`CREATE DATABASE … TEMPLATE`, ~50 ms) so files never share state.
 */
export default async function globalSetup(): Promise<void> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');
  let adminUrl = process.env.TEST_DATABASE_URL;
  let embedded: EmbeddedDatabase | undefined;
  if (!adminUrl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-test-pg-'));
    fs.chmodSync(dir, 0o755); // as root, PostgreSQL runs as `postgres` and must enter it
    embedded = await startEmbeddedPostgres(dir, logger);
    adminUrl = embedded.url;
    (globalThis as { __heraldTestPg?: { embedded: EmbeddedDatabase; dir: string } }).__heraldTestPg = {
      embedded,
      dir,
    };
  }
  const template = `herald_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${template}`);
  await admin.query(`create database ${template}`);
  await admin.end();

  const pool = createPool(withDatabase(adminUrl, template), logger, 2);
  const db = kyselyFor(pool);
  await migrateToLatest(db, pool);
  await db.destroy(); // a template must have no open connections

  process.env.HERALD_TEST_ADMIN_URL = adminUrl;
  process.env.HERALD_TEST_TEMPLATE = template;
}
