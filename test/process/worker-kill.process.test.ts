import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { RunningHerald } from '../../src/main';
import { FakePagerDuty } from '../fakes/pagerduty';
import { FakeTwilio } from '../fakes/twilio';
import { FakeWebhookReceiver } from '../fakes/webhook';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';
import { killAll, spawnHerald, until, type HeraldProcess } from '../support/process';

/**
 * A worker process SIGKILLed at 20 random moments of a large fan-out, and started again each
 * time: every delivery ends `sent` exactly once in the database; providers that take an
 * idempotency key (webhook-id, PagerDuty dedup_key) see each delivery's key, and Twilio (no key)
 * sees each SMS at most as often as it was claimed for sending (the recorded attempt count).
 * The moments are drawn with a fixed seed (KILL_SEED) so a failure can be replayed: from just
 * after spawn (still connecting) to well into sending.
 */
const SECRET = `whsec_${Buffer.from('kill-test-webhook-secret-0123456789').toString('base64')}`;
const INCIDENTS = 400;
const PEOPLE = 5;
const KILLS = 20;
const KILL_SEED = 20261127;
/** Every provider answer takes this long, so a kill finds sends in flight. */
const PROVIDER_LATENCY_MS = 150;
jest.setTimeout(480_000); // about 2 minutes quiet; the bound only detects a hang

const twilio = new FakeTwilio();
const pd = new FakePagerDuty();
const hook = new FakeWebhookReceiver(SECRET);
let t: TestDatabase;
let web: RunningHerald;
let dir: string;

const config = () => `
services: [{ id: api }]
people:
${Array.from({ length: PEOPLE }, (_, i) => `  - { id: p${i}, name: P${i}, phone: '+1555555020${i}' }`).join('\n')}
webhooks: [{ id: bus, url: '${hook.url}/hook', secret: '${SECRET}' }]
rules:
  - name: everyone
    notify: { people: [${Array.from({ length: PEOPLE }, (_, i) => `p${i}`).join(', ')}], channels: [sms, webhook, pagerduty], webhooks: [bus] }
delivery: { claim_timeout_seconds: 2 }
`;

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: t.url,
    HERALD_CONFIG: path.join(dir, 'herald.yml'),
    // Two send jobs of 25 at a time, answered in 150 ms: the fan-out outlasts the 20 kills.
    HERALD_WORKER_CONCURRENCY: '2',
    LOG_LEVEL: 'warn',
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM: '+15555550000',
    TWILIO_API_URL: twilio.url,
    PAGERDUTY_ROUTING_KEY: 'R0UTINGKEYKILLTEST0123456789abcd',
    PAGERDUTY_EVENTS_URL: pd.eventsUrl,
  };
  delete e.HERALD_API_TOKEN;
  return e;
}

const startWorker = (): HeraldProcess => spawnHerald('worker', env());

async function counts(): Promise<Record<string, number>> {
  const r = await sql<{
    status: string;
    n: number;
  }>`select status, count(*)::int as n from deliveries group by status`.execute(t.db);
  return Object.fromEntries(r.rows.map((x) => [x.status, x.n]));
}

beforeAll(async () => {
  await Promise.all([twilio.start(), pd.start(), hook.start()]);
  t = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-kill-'));
  fs.writeFileSync(path.join(dir, 'herald.yml'), config());
  // The web side plans (with the same provider settings, as in production); only the child sends.
  const providers = Object.fromEntries(
    Object.entries(env()).filter(([k]) => /^(TWILIO|PAGERDUTY)_/.test(k)),
  ) as Record<string, string>;
  web = await startTestHerald({ databaseUrl: t.url, configYaml: config(), mode: 'web', env: providers });
});

afterAll(async () => {
  killAll(); // a failed test leaves no worker behind
  await web.stop();
  await t.drop();
  await Promise.all([twilio.stop(), pd.stop(), hook.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

it(`loses nothing and sends nothing twice where the provider can tell, across ${KILLS} SIGKILLs`, async () => {
  for (let i = 0; i < INCIDENTS; i++) {
    await web.incidents.declare({ title: `Fan-out ${i}`, severity: 'high', services: ['api'] }, 'test');
  }
  const total = INCIDENTS * (PEOPLE + 2);
  expect(await counts()).toEqual({ pending: total });
  const latency = (n: number) => Array.from({ length: n }, () => ({ delayMs: PROVIDER_LATENCY_MS }));
  twilio.fail(...latency(total * 2));
  hook.fail(...latency(total * 2));
  pd.fail(...latency(total * 2));

  // Each kill comes a random 0-600 ms after the worker's first send of its life (or, for every
  // fourth, that long after spawn: while it may still be connecting), and the worker is
  // restarted each time. Every kill must land while deliveries remain.
  const moments = fc.sample(fc.integer({ min: 0, max: 600 }), { seed: KILL_SEED, numRuns: KILLS });
  const sentAtKill: number[] = [];
  for (const [kill, delay] of moments.entries()) {
    const sentBefore = (await counts()).sent ?? 0;
    const w = startWorker();
    if (kill % 4 !== 3)
      await until(
        async () => ((await counts()).sent ?? 0) > sentBefore,
        90_000,
        `worker ${kill}'s first send`,
      );
    await new Promise((r) => setTimeout(r, delay));
    w.child.kill('SIGKILL');
    await w.exited;
    sentAtKill.push((await counts()).sent ?? 0);
  }
  expect(sentAtKill).toHaveLength(KILLS);
  expect(sentAtKill.every((n) => n < total)).toBe(true); // each kill interrupted the fan-out
  expect(sentAtKill.filter((n, i) => n > (sentAtKill[i - 1] ?? 0)).length).toBeGreaterThan(KILLS / 2);

  const last = startWorker();
  await until(async () => ((await counts()).sent ?? 0) === total, 60_000, `all ${total} deliveries sent`);
  last.child.kill('SIGTERM');
  expect(await last.exited).toBe(0);

  expect(await counts()).toEqual({ sent: total });
  const successes = await sql<{ n: number }>`
    select count(*)::int as n from delivery_attempts where outcome = 'sent'`.execute(t.db);
  expect(successes.rows[0]?.n).toBe(total); // one recorded success per delivery, never two

  const rows = await t.db
    .selectFrom('deliveries')
    .select(['idempotency_key', 'channel', 'attempts', 'address'])
    .execute();
  const webhookKeys = new Set(rows.filter((d) => d.channel === 'webhook').map((d) => d.idempotency_key));
  expect(new Set(hook.accepted.map((r) => r.id))).toEqual(webhookKeys);
  expect(new Set(pd.accepted.map((c) => c.event.dedup_key)).size).toBe(INCIDENTS); // one PagerDuty alert per incident

  // Twilio takes no key: each SMS reached it at least once and at most once per claim.
  const smsRows = rows.filter((d) => d.channel === 'sms');
  const claims = smsRows.reduce((a, d) => a + d.attempts, 0);
  const smsSent = twilio.sent.length;
  expect(smsSent).toBeGreaterThanOrEqual(smsRows.length);
  expect(smsSent).toBeLessThanOrEqual(claims);
});
