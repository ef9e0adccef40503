import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLI } from '../support/process';

/**
 * `npx herald config check` as operators run it (the built CLI; `npm test` builds first): it
 * warns when anyone at all may publish from Slack, and stays quiet about the defaults.
 */
const run = promisify(execFile);
/** Two CLI processes: a few seconds quiet, far more on a loaded machine; the wait is only a failure detector. */
jest.setTimeout(120_000);
const example = fs.readFileSync(path.resolve(__dirname, '../../herald.example.yml'), 'utf8');

async function check(yaml: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-check-'));
  const file = path.join(dir, 'herald.yml');
  fs.writeFileSync(file, yaml);
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'config', 'check', file], {
      env: { PATH: process.env.PATH ?? '' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('warns when slack.permissions.publish is everyone, and not with the default', async () => {
  const everyone = await check(
    example.replace(/^ {4}publish: \[owners, oncall\]$/m, '    publish: [everyone]'),
  );
  expect(everyone.code).toBe(0);
  expect(everyone.stderr).toContain(
    'warning: slack.permissions.publish: everyone may put incidents, titles and public messages on the status page and in subscriber mail',
  );
  const defaults = await check(example);
  expect(defaults.code).toBe(0);
  expect(defaults.stderr).not.toContain('slack.permissions.publish');
  expect(defaults.stdout).toContain(': ok');
});
