import fs from 'node:fs';
import pg from 'pg';
import type { EmbeddedDatabase } from '../../src/db/embedded';

export default async function globalTeardown(): Promise<void> {
  const adminUrl = process.env.HERALD_TEST_ADMIN_URL;
  const template = process.env.HERALD_TEST_TEMPLATE;
  if (adminUrl && template) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>(
      `select datname from pg_database where datname like 'herald_t_%' or datname = $1`,
      [template],
    );
    for (const { datname } of rows) await admin.query(`drop database if exists ${datname} with (force)`);
    await admin.end();
  }
  const state = (globalThis as { __heraldTestPg?: { embedded: EmbeddedDatabase; dir: string } })
    .__heraldTestPg;
  if (state) {
    await state.embedded.stop();
    fs.rmSync(state.dir, { recursive: true, force: true });
  }
}
