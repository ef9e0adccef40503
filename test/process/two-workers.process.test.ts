import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { RunningHerald } from '../../src/main';
import { FakeTwilio } from '../fakes/twilio';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';
import { killAll, spawnHerald, until, type HeraldProcess } from '../support/process';

/**
 * Two `herald worker` processes on one database race to escalate the same incidents: with
 * zero-minute delays every level falls due at once in both, and still each level fires exactly
 * once per incident and pages each person once.
 */
const INCIDENTS = 10_000;
/** Declarations in flight at once (as from several responders and alert sources). */
const DECLARE_LANES = 8;
/** About 6 minutes on a quiet 2-core machine; the bounds only detect a hang (a loaded run took 10). */
jest.setTimeout(1_200_000);

const twilio = new FakeTwilio();
let t: TestDatabase;
let web: RunningHerald;
let dir: string;

const config = `
services: [{ id: api, escalation_policy: instant }]
people:
  - { id: l0, name: L0, phone: '+15555550300' }
  - { id: l1, name: L1, phone: '+15555550301' }
  - { id: l2, name: L2, phone: '+15555550302' }
escalation_policies:
  - id: instant
    levels:
      - { delay_minutes: 0, targets: [{ person: l0 }], channels: [sms] }
      - { delay_minutes: 0, targets: [{ person: l1 }], channels: [sms] }
      - { delay_minutes: 0, targets: [{ person: l2 }], channels: [sms] }
`;

const providerEnv = (): Record<string, string> => ({
  TWILIO_ACCOUNT_SID: twilio.accountSid,
  TWILIO_AUTH_TOKEN: twilio.authToken,
  TWILIO_FROM: '+15555550000',
  TWILIO_API_URL: twilio.url,
});

function startWorker(): HeraldProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...providerEnv(),
    DATABASE_URL: t.url,
    HERALD_CONFIG: path.join(dir, 'herald.yml'),
    HERALD_WORKER_CONCURRENCY: '4',
    LOG_LEVEL: 'warn',
  };
  return spawnHerald('worker', env);
}

beforeAll(async () => {
  await twilio.start();
  t = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-two-'));
  fs.writeFileSync(path.join(dir, 'herald.yml'), config);
  web = await startTestHerald({ databaseUrl: t.url, configYaml: config, mode: 'web', env: providerEnv() });
});

afterAll(async () => {
  killAll(); // a failed test leaves no worker behind
  await web.stop();
  await t.drop();
  await twilio.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('fires each level once per incident with two worker processes racing', async () => {
  const a = startWorker();
  const b = startWorker();
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < INCIDENTS; i = next++) {
      await web.incidents.declare({ title: `Race ${i}`, severity: 'high', services: ['api'] }, 'test');
    }
  };
  await Promise.all(Array.from({ length: DECLARE_LANES }, lane));
  const expectedSms = INCIDENTS * 3;
  // Done is a state, not a moment: every SMS sent, and nothing left that could send another (no
  // job, no delivery unsent, no escalation level still to fire). A duplicate would be here by now.
  await until(
    async () => {
      if (twilio.sent.length < expectedSms) return false;
      const left = await sql<{ jobs: number; unsent: number; due: number }>`
        select (select count(*)::int from graphile_worker.jobs) as jobs,
               (select count(*)::int from deliveries where status <> 'sent') as unsent,
               (select count(*)::int from escalations where next_at is not null) as due`.execute(t.db);
      const r = left.rows[0];
      return r?.jobs === 0 && r.unsent === 0 && r.due === 0;
    },
    1_000_000,
    `${expectedSms} SMS sent and nothing left to do`,
  );
  a.child.kill('SIGTERM');
  b.child.kill('SIGTERM');
  expect([await a.exited, await b.exited]).toEqual([0, 0]);

  const escalated = await sql<{ incident_id: number; n: number }>`
    select incident_id, count(*)::int as n from incident_events where kind = 'escalated' group by incident_id`.execute(
    t.db,
  );
  expect(escalated.rows).toHaveLength(INCIDENTS);
  expect(escalated.rows.every((r) => r.n === 2)).toBe(true); // levels 1 and 2, once each
  const pagedTwice = await sql<{ n: number }>`
    select count(*)::int as n from (
      select incident_id, address from deliveries group by incident_id, address having count(*) > 1) d`.execute(
    t.db,
  );
  expect(pagedTwice.rows[0]?.n).toBe(0); // no person paged twice for one incident
  expect(twilio.sent).toHaveLength(expectedSms);
  for (const phone of ['+15555550300', '+15555550301', '+15555550302']) {
    expect(twilio.sent.filter((c) => c.to === phone)).toHaveLength(INCIDENTS);
  }
});
