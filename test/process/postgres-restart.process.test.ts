import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { createPool, kyselyFor } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import type { Database } from '../../src/db/schema';
import { FakeTwilio } from '../fakes/twilio';
import { FakeWebhookReceiver } from '../fakes/webhook';
import { testLogger } from '../support/db';
import { call, type JsonResponse } from '../support/http';
import { recordFigures } from '../support/figures';
import { DedicatedPostgres } from '../support/postgres-server';
import { freePort, killAll, spawnHerald as spawnCli, until, type HeraldProcess } from '../support/process';

/**
 * PostgreSQL (DATABASE_URL) stopped and started again under a running Herald, twice, in the middle
 * of a fan-out: once with a fast shutdown (sessions terminated with 57P01), once with a SIGKILL of
 * the postmaster (sessions just drop). `herald web` and `herald worker` run as separate processes.
 * During each outage /readyz answers 503 (the reason only in the log), /healthz stays up, and requests that need
 * the database answer 503 with Retry-After at once; afterwards both processes carry on by
 * themselves. Nothing is lost: every incident declared before the outages or answered 2xx during
 * or after them ends with every delivery sent, each success recorded once.
 *
 * The server is the test's own (DedicatedPostgres), never the shared one from global-setup.
 */
const SECRET = `whsec_${Buffer.from('restart-test-webhook-secret-0123456').toString('base64')}`;
const TOKEN = 'restart-test-token-0123456789';
const PEOPLE = 4;
const PER_INCIDENT = PEOPLE + 1; // one SMS per person, one webhook
const BEFORE = 12; // incidents declared before the first outage
const BURST = 10; // incidents declared at once just before each outage
const OUTAGE_MS = 3_000;
/** The pool's connectionTimeoutMillis (src/db/connect.ts): no request may wait longer. */
const CONNECTION_TIMEOUT_MS = 10_000;
jest.setTimeout(120_000);

const twilio = new FakeTwilio();
const hook = new FakeWebhookReceiver(SECRET);
let server: DedicatedPostgres;
let pool: pg.Pool;
let db: Kysely<Database>;
let dir: string;
let base: string;
const procs: HeraldProcess[] = [];

const config = () => `
services: [{ id: api }]
people:
${Array.from({ length: PEOPLE }, (_, i) => `  - { id: p${i}, name: P${i}, phone: '+1555555040${i}' }`).join('\n')}
webhooks: [{ id: bus, url: '${hook.url}/hook', secret: '${SECRET}' }]
rules:
  - name: everyone
    notify: { people: [${Array.from({ length: PEOPLE }, (_, i) => `p${i}`).join(', ')}], channels: [sms, webhook], webhooks: [bus] }
delivery: { claim_timeout_seconds: 5 }
`;

function spawnHerald(mode: 'web' | 'worker', port: number): HeraldProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: server.url,
    HERALD_CONFIG: path.join(dir, 'herald.yml'),
    HERALD_API_TOKEN: TOKEN,
    HERALD_WORKER_CONCURRENCY: '4',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM: '+15555550000',
    TWILIO_API_URL: twilio.url,
  };
  const running = spawnCli(mode, env);
  procs.push(running);
  return running;
}

const ready = async (): Promise<JsonResponse | undefined> => call(`${base}/readyz`).catch(() => undefined);

async function counts(): Promise<Record<string, number>> {
  const r = await sql<{ status: string; n: number }>`
    select status, count(*)::int as n from deliveries group by status`.execute(db);
  return Object.fromEntries(r.rows.map((x) => [x.status, x.n]));
}

interface Declared {
  status: number;
  ms: number;
  ref?: string;
  retryAfter: string | null;
  body: unknown;
}

/** Declares one incident over the API, timing the answer. */
async function declare(title: string): Promise<Declared> {
  const t0 = Date.now();
  const r = await call(`${base}/api/v1/incidents`, {
    token: TOKEN,
    json: { title, severity: 'high', services: ['api'] },
  });
  return {
    status: r.status,
    ms: Date.now() - t0,
    ref: (r.body as { ref?: string }).ref,
    retryAfter: r.headers.get('retry-after'),
    body: r.body,
  };
}

beforeAll(async () => {
  await Promise.all([twilio.start(), hook.start()]);
  server = await DedicatedPostgres.start();
  pool = createPool(server.url, testLogger, 2);
  db = kyselyFor(pool);
  await migrateToLatest(db, pool);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-pgrestart-'));
  fs.writeFileSync(path.join(dir, 'herald.yml'), config());
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  spawnHerald('web', port);
  spawnHerald('worker', 0);
  await until(async () => (await ready())?.status === 200, 30_000, 'herald web to be ready');
});

afterAll(async () => {
  killAll();
  await Promise.all(procs.map((p) => p.exited));
  await db?.destroy();
  await server?.destroy();
  await Promise.all([twilio.stop(), hook.stop()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it('rides out a fast shutdown and a SIGKILL of PostgreSQL without a restart, losing nothing', async () => {
  for (let i = 0; i < BEFORE; i++) expect((await declare(`Before ${i}`)).status).toBe(201);
  // The worker is up and sending: everything declared so far is sent.
  await until(
    async () => (await counts()).sent === BEFORE * PER_INCIDENT,
    30_000,
    'the worker to send the first incidents',
  );

  // Declarations keep arriving throughout, as from alerts and people during a real outage.
  const answers: Declared[] = [];
  let declaring = true;
  const declarer = (async () => {
    for (let i = 0; declaring; i++) {
      answers.push(await declare(`During ${i}`));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    await outages(answers);
  } finally {
    // One failure reports one cause: the declarer stops before anything is torn down.
    declaring = false;
    await declarer;
  }
  await everythingSentOnce(answers);
});

const figures: Record<string, number>[] = [];

/** Each way of stopping PostgreSQL, mid fan-out, with what must hold during and after it. */
async function outages(answers: Declared[]): Promise<void> {
  for (const how of ['fast', 'kill'] as const) {
    // Mid fan-out, reached as a state: the providers hold their answers, a burst is declared, and
    // PostgreSQL stops once sends are in flight. Everything before is sent, the burst is not.
    twilio.hold();
    hook.hold();
    const burst = await Promise.all(Array.from({ length: BURST }, (_, i) => declare(`Burst ${how} ${i}`)));
    expect(burst.map((b) => b.status)).toEqual(burst.map(() => 201));
    answers.push(...burst);
    await until(() => twilio.held + hook.held > 0, 30_000, 'sends in flight at the providers');
    const atStop = await counts();
    const sentAtStop = atStop.sent ?? 0;
    const plannedAtStop = Object.values(atStop).reduce((a, b) => a + b, 0);
    expect(sentAtStop).toBeGreaterThan(0);
    expect(sentAtStop).toBeLessThan(plannedAtStop);

    const stopped = Date.now();
    await server.stop(how);
    // The sends in flight finish while the database is away: their outcomes wait for it.
    twilio.release();
    hook.release();
    await until(async () => (await ready())?.status === 503, 10_000, '/readyz to answer 503');
    const detectedMs = Date.now() - stopped;
    const readyz = await ready();
    expect(readyz?.body).toEqual({ status: 'unavailable' });
    expect((await call(`${base}/healthz`)).status).toBe(200);

    // Reads and writes that need the database: a clear 503 at once, never a 500 or a hang.
    const t0 = Date.now();
    const list = await call(`${base}/api/v1/incidents`, { token: TOKEN });
    expect(Date.now() - t0).toBeLessThan(CONNECTION_TIMEOUT_MS);
    expect(list.status).toBe(503);
    expect(list.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(list.body).toEqual({ error: { code: 'Unavailable', message: expect.stringMatching(/database/) } });
    const write = await declare(`While ${how} down`);
    expect(write.status).toBe(503);
    expect(write.retryAfter).toMatch(/^\d+$/);

    // Kept down a few seconds, then started again on the same port and data directory.
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - stopped))));
    await server.restart();
    const restarted = Date.now();
    await until(async () => (await ready())?.status === 200, 30_000, '/readyz to answer 200 again');
    const readyMs = Date.now() - restarted;
    // New work flows through web and worker again.
    const after = await declare(`After ${how}`);
    expect(after.status).toBe(201);
    const id = Number(after.ref?.replace('INC-', ''));
    await until(
      async () => {
        const r = await sql<{ n: number }>`
          select count(*)::int as n from deliveries where incident_id = ${id} and status = 'sent'`.execute(
          db,
        );
        return r.rows[0]?.n === PER_INCIDENT;
      },
      30_000,
      `the deliveries of ${after.ref}`,
    );
    const deliveredMs = Date.now() - restarted;
    // The long-lived sessions are back too: graphile-worker's LISTEN (jobs in milliseconds) and the
    // status pages' (cache invalidation).
    await until(
      async () => {
        const r = await sql<{ q: string }>`
          select query as q from pg_stat_activity where datname = current_database()`.execute(db);
        const queries = r.rows.map((x) => x.q);
        return (
          queries.some((q) => q.startsWith('LISTEN "jobs:insert"')) &&
          queries.includes('listen herald_statuspage')
        );
      },
      10_000,
      'the LISTEN sessions to be back',
    );
    figures.push({
      sentAtStop,
      plannedAtStop,
      outageMs: restarted - stopped,
      detectedMs,
      readyAfterRestartMs: readyMs,
      deliveredAfterRestartMs: deliveredMs,
      listeningAfterRestartMs: Date.now() - restarted,
    });
  }
}

/** Every answer was 201 or 503; every accepted incident ends with each delivery sent once. */
async function everythingSentOnce(answers: Declared[]): Promise<void> {
  // Every answer was 201 or 503 (with Retry-After), none came later than the pool's timeout.
  for (const a of answers) {
    expect([201, 503]).toContain(a.status);
    if (a.status === 503) expect(a.retryAfter).toMatch(/^\d+$/);
    expect(a.ms).toBeLessThan(CONNECTION_TIMEOUT_MS);
  }
  const accepted = answers.filter((a) => a.status === 201).map((a) => a.ref as string);
  expect(answers.some((a) => a.status === 503)).toBe(true);

  // Nothing lost: every delivery ends sent, with exactly one recorded success, and no job left.
  await until(
    async () => {
      const c = await counts();
      const jobs = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs`.execute(db);
      return Object.keys(c).length === 1 && c.sent !== undefined && jobs.rows[0]?.n === 0;
    },
    60_000,
    'every delivery sent and every job done',
  );
  const incidents = await db
    .selectFrom('incidents as i')
    .leftJoin('deliveries as d', 'd.incident_id', 'i.id')
    .select(['i.id', (eb) => eb.fn.count<number>('d.id').as('n')])
    .groupBy('i.id')
    .execute();
  const byRef = new Map(incidents.map((i) => [`INC-${i.id}`, Number(i.n)]));
  for (const ref of accepted)
    expect({ ref, deliveries: byRef.get(ref) }).toEqual({ ref, deliveries: PER_INCIDENT });
  for (const [ref, n] of byRef) expect({ ref, deliveries: n }).toEqual({ ref, deliveries: PER_INCIDENT });
  const total = byRef.size * PER_INCIDENT;
  expect(await counts()).toEqual({ sent: total });
  const successes = await sql<{ n: number; d: number }>`
    select count(*)::int as n, count(distinct delivery_id)::int as d
    from delivery_attempts where outcome = 'sent'`.execute(db);
  expect(successes.rows[0]).toEqual({ n: total, d: total });
  const keys = await db
    .selectFrom('deliveries')
    .select('idempotency_key')
    .where('channel', '=', 'webhook')
    .execute();
  expect(new Set(hook.accepted.map((r) => r.id))).toEqual(new Set(keys.map((k) => k.idempotency_key)));

  // Neither process exited or restarted, and both stop cleanly.
  for (const p of procs)
    expect({ mode: p.mode, exitCode: p.child.exitCode }).toEqual({ mode: p.mode, exitCode: null });
  for (const p of procs) p.child.kill('SIGTERM');
  expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0]);
  recordFigures('postgres-restart', {
    figures,
    incidents: byRef.size,
    deliveries: total,
    answers: answers.length,
    unavailable: answers.filter((a) => a.status === 503).length,
    slowestAnswerMs: Math.max(...answers.map((a) => a.ms)),
  });
}
