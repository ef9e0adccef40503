import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeWebhookReceiver } from '../fakes/webhook';
import { recordFigures } from '../support/figures';
import { call } from '../support/http';
import {
  alive,
  freePort,
  killAll,
  postmasterOf,
  spawnHerald as spawnCli,
  until,
  type HeraldProcess,
} from '../support/process';

/**
 * Herald's embedded PostgreSQL (no DATABASE_URL) SIGKILLed while `herald web` and `herald worker`
 * share it from one data directory: /readyz goes 503, then 200 again by itself; exactly one of
 * the two processes starts PostgreSQL again (on the same port, so both pools reconnect); an
 * incident declared afterwards is stored and delivered; both processes then stop cleanly and
 * PostgreSQL with them.
 */
const TOKEN = 'embedded-restart-token-0123456789';
const SECRET = `whsec_${Buffer.from('embedded-restart-webhook-secret-0123').toString('base64')}`;
jest.setTimeout(120_000);

const hook = new FakeWebhookReceiver(SECRET);
let dataDir: string;
let base: string;
const procs: HeraldProcess[] = [];

function spawnHerald(mode: 'web' | 'worker', port: number): HeraldProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HERALD_DATA_DIR: dataDir,
    HERALD_CONFIG: path.join(dataDir, 'herald.yml'),
    HERALD_API_TOKEN: TOKEN,
    HERALD_WORKER_CONCURRENCY: '4',
    PORT: String(port),
    LOG_LEVEL: 'info',
  };
  delete env.DATABASE_URL;
  const running = spawnCli(mode, env, { cwd: dataDir });
  procs.push(running);
  return running;
}

/** Pid and port from the postmaster's pid file, while there is one. */
const postmaster = () => postmasterOf(dataDir);

const readyz = (): Promise<number> =>
  call(`${base}/readyz`).then(
    (r) => r.status,
    () => 0,
  );

/** Declares an incident and waits for its webhook to be delivered; returns its ref. */
async function declareAndDeliver(title: string): Promise<string> {
  const r = await call(`${base}/api/v1/incidents`, {
    token: TOKEN,
    json: { title, severity: 'critical', services: ['api'] },
  });
  expect(r.status).toBe(201);
  const ref = (r.body as { ref: string }).ref;
  await until(
    async () => {
      const d = await call(`${base}/api/v1/incidents/${ref}/deliveries`, { token: TOKEN });
      const rows = (d.body as { deliveries?: Array<{ status: string }> }).deliveries ?? [];
      return rows.length > 0 && rows.every((x) => x.status === 'sent');
    },
    20_000,
    `${ref}'s deliveries to be sent`,
  );
  return ref;
}

beforeAll(async () => {
  await hook.start();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-embedded-restart-'));
  fs.chmodSync(dataDir, 0o755); // as root, PostgreSQL runs as `postgres` and must enter it
  fs.writeFileSync(
    path.join(dataDir, 'herald.yml'),
    `
services: [{ id: api }]
webhooks: [{ id: bus, url: '${hook.url}/hook', secret: '${SECRET}' }]
rules: [{ name: all, notify: { channels: [webhook], webhooks: [bus] } }]
`,
  );
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  spawnHerald('web', port); // starts the embedded server
  await until(async () => (await readyz()) === 200, 60_000, 'herald web to be ready');
  const worker = spawnHerald('worker', 0); // shares it
  await until(() => /Herald worker ready/.test(worker.output()), 30_000, 'herald worker to be ready');
});

afterAll(async () => {
  killAll();
  await Promise.all(procs.map((p) => p.exited));
  const pm = postmaster();
  if (pm && alive(pm.pid)) process.kill(pm.pid, 'SIGKILL');
  await hook.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('starts its embedded PostgreSQL again when it dies, once, and carries on', async () => {
  await declareAndDeliver('Before the crash');
  const before = postmaster();
  if (!before) throw new Error('no postmaster.pid');

  const killed = Date.now();
  process.kill(before.pid, 'SIGKILL');
  await until(async () => (await readyz()) === 503, 10_000, '/readyz to answer 503');
  const down = await call(`${base}/readyz`);
  expect(down.body).toEqual({ status: 'unavailable' });
  await until(async () => (await readyz()) === 200, 30_000, '/readyz to answer 200 again');
  const readyMs = Date.now() - killed;

  // Started again once, by one of the two processes, on the same port.
  const after = postmaster();
  expect(after?.pid).not.toBe(before.pid);
  expect(after?.port).toBe(before.port);
  const restarts = procs.map((p) => (p.output().match(/"embedded PostgreSQL restarted"/g) ?? []).length);
  expect(restarts.reduce((a, b) => a + b, 0)).toBe(1);
  const noticed = procs.filter((p) => p.output().includes('embedded PostgreSQL stopped unexpectedly'));
  expect(noticed.length).toBeGreaterThanOrEqual(1);

  // Work flows again through both processes: stored by web, delivered by worker.
  const ref = await declareAndDeliver('After the crash');
  const deliveredMs = Date.now() - killed;
  expect(hook.accepted.some((r) => JSON.stringify(r.json).includes(ref))).toBe(true);

  for (const p of procs)
    expect({ mode: p.mode, exitCode: p.child.exitCode }).toEqual({ mode: p.mode, exitCode: null });
  for (const p of procs) p.child.kill('SIGTERM');
  expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0]);
  const last = postmaster();
  expect(last === undefined || !alive(last.pid)).toBe(true); // stopped with Herald
  recordFigures('embedded-restart', {
    readyAfterKillMs: readyMs,
    deliveredAfterKillMs: deliveredMs,
    restarts,
  });
});
