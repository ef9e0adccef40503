import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { call } from '../support/http';
import { alive, freePort, killAll, postmasterOf, spawnHerald, type HeraldProcess } from '../support/process';

/**
 * The built `herald start` as a real process on its own embedded PostgreSQL: what `npm start`
 * does on a fresh machine. Needs `npm run build` first (npm test runs it).
 */
const TOKEN = 'process-test-token-0123456789';
jest.setTimeout(300_000); // under a minute quiet; the bounds only detect a hang

let dataDir: string;
let port: number;

function startHerald(): HeraldProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HERALD_DATA_DIR: dataDir,
    PORT: String(port),
    HERALD_API_TOKEN: TOKEN,
    LOG_LEVEL: 'info',
  };
  for (const k of ['DATABASE_URL', 'HERALD_CONFIG', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']) delete env[k];
  return spawnHerald('start', env, { cwd: dataDir });
}

async function waitReady(h: HeraldProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (h.child.exitCode !== null) throw new Error(`herald exited early:\n${h.output()}`);
    try {
      const r = await call(`http://127.0.0.1:${port}/readyz`);
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`herald did not become ready:\n${h.output()}`);
}

const postmasterPid = (): number | undefined => postmasterOf(dataDir)?.pid;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-proc-'));
  fs.chmodSync(dataDir, 0o755);
  port = await freePort();
});

afterAll(() => {
  killAll();
  const pid = postmasterPid();
  if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('survives SIGKILL with the incident and its timeline intact, then shuts down cleanly on SIGTERM', async () => {
  const first = startHerald();
  await waitReady(first);
  expect(first.output()).toMatch(/embedded PostgreSQL/);

  const api = `http://127.0.0.1:${port}/api/v1`;
  const created = await call(`${api}/incidents`, {
    token: TOKEN,
    json: { title: 'Checkout is down', severity: 'critical', services: ['checkout'], impact: 'No orders' },
  });
  expect(created.status).toBe(201);
  const ref = (created.body as { ref: string }).ref;
  expect((await call(`${api}/incidents/${ref}/acknowledge`, { token: TOKEN, method: 'POST' })).status).toBe(
    200,
  );

  // The worker sends the console delivery: the line proves declare → outbox job → worker → channel.
  const deadline = Date.now() + 10_000;
  while (!first.output().includes(`${ref} declared: Checkout is down`) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(first.output()).toContain(`${ref} declared: Checkout is down`);

  const orphan = postmasterPid();
  first.child.kill('SIGKILL');
  await first.exited;
  expect(orphan && alive(orphan)).toBe(true); // PostgreSQL outlived its parent

  const second = startHerald();
  await waitReady(second);
  const read = await call(`${api}/incidents/${ref}`, { token: TOKEN });
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ ref, title: 'Checkout is down', acknowledged_by: 'api' });
  expect((read.body as { timeline: Array<{ kind: string }> }).timeline.map((e) => e.kind)).toEqual([
    'declared',
    'acknowledged',
  ]);

  // Exit code 0 means the drain finished before the CLI's 10 s shutdown deadline (which exits 1).
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
  const pid = postmasterPid();
  expect(pid === undefined || !alive(pid)).toBe(true); // PostgreSQL stopped with Herald
});

it('stops cleanly on a SIGTERM that arrives while it is still starting, PostgreSQL included', async () => {
  const starting = startHerald();
  // PostgreSQL is up, but migrations, the job runner and the HTTP server are still to come.
  const deadline = Date.now() + 120_000;
  while (!starting.output().includes('embedded PostgreSQL started') && Date.now() < deadline) {
    if (starting.child.exitCode !== null) throw new Error(`herald exited early:\n${starting.output()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(starting.output()).toContain('embedded PostgreSQL started');
  starting.child.kill('SIGTERM');
  expect(await starting.exited).toBe(0); // null would mean the signal killed it
  expect(starting.output()).toMatch(/"msg":"stopped"/);
  const pid = postmasterPid();
  expect(pid === undefined || !alive(pid)).toBe(true);
});
