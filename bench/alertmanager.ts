/* eslint-disable no-console -- a benchmark says what it compares with */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exited, freePort, readyWithin } from './support';

/**
 * A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) for benchmarks to stand
 * beside: started with a temp storage path and config, no clustering, on a port of its own of
 * 127.0.0.1; ready when `/-/ready` answers 200. Its route sends every alert to a receiver with no
 * integrations, grouped by alertname and service, so it stores, groups and dedups but notifies
 * nobody: the work Herald's hook does before its worker takes over.
 */
export const AM_BIN = '/usr/bin/prometheus-alertmanager';

export interface Alertmanager {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

const CONFIG = `route:
  receiver: none
  group_by: [alertname, service]
receivers:
  - name: none
`;

/** True when the binary is there; otherwise says once how to install it. */
export function alertmanagerInstalled(): boolean {
  if (fs.existsSync(AM_BIN)) return true;
  console.log(`${AM_BIN} is missing (apt-get install -y prometheus-alertmanager): Herald's figures alone`);
  return false;
}

/** Its `--version` first line, printed once per benchmark. */
export function alertmanagerVersion(): string {
  const v = spawnSync(AM_BIN, ['--version'], { encoding: 'utf8' });
  return (v.stdout || v.stderr).split('\n')[0] ?? 'alertmanager';
}

/** Starts one Alertmanager in a temp directory (`dir`: reuse one, e.g. to measure restarts). */
export async function startAlertmanager(dir?: string): Promise<Alertmanager> {
  const home = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-am-'));
  const configFile = path.join(home, 'am.yml');
  fs.writeFileSync(configFile, CONFIG);
  const port = await freePort();
  const child = spawn(
    AM_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(home, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited(child);
    if (!dir) fs.rmSync(home, { recursive: true, force: true });
  };
  try {
    await readyWithin(`${url}/-/ready`, child);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, child, stop };
}
