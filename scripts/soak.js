#!/usr/bin/env node
'use strict';
/**
 * `npm run test:soak [-- --repeat N] [-- jest options]`: the soak and fault tier
 * (jest.soak.config.js), N times in a row (default 1). Stops at the first failing run, since a
 * test that fails sometimes is a bug to fix, not a figure to average. Prints one line per run and
 * a closing `N passed, N failed` over all runs; with `--json --outputFile=F` (as CI passes) each
 * run's report is F, or F with `.runK` before the extension when repeating.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
let repeat = 1;
const jestArgs = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--repeat') repeat = Number(args[++i]);
  else if (a.startsWith('--repeat=')) repeat = Number(a.slice('--repeat='.length));
  else jestArgs.push(a);
}
if (!Number.isInteger(repeat) || repeat < 1) {
  process.stderr.write('test:soak: --repeat takes a whole number of runs, 1 or more\n');
  process.exit(2);
}
const outIndex = jestArgs.findIndex((a) => a.startsWith('--outputFile='));
const outputFile = outIndex >= 0 ? jestArgs[outIndex].slice('--outputFile='.length) : undefined;

const root = path.resolve(__dirname, '..');
const jest = require.resolve('jest/bin/jest', { paths: [root] });
let passed = 0;
let failed = 0;
for (let run = 1; run <= repeat; run++) {
  const report =
    outputFile && repeat > 1 ? outputFile.replace(/(\.[^./]*)?$/, (ext) => `.run${run}${ext}`) : outputFile;
  const own = report ?? path.join(root, 'test-artifacts', `soak-run${run}.json`);
  fs.mkdirSync(path.dirname(own), { recursive: true });
  const runArgs = jestArgs.filter((a) => !a.startsWith('--outputFile=') && a !== '--json');
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [jest, '-c', path.join(root, 'jest.soak.config.js'), '--json', `--outputFile=${own}`, ...runArgs],
    { cwd: root, stdio: 'inherit' },
  );
  let summary = { numPassedTests: 0, numFailedTests: 0, numRuntimeErrorTestSuites: 1 };
  if (fs.existsSync(own)) summary = JSON.parse(fs.readFileSync(own, 'utf8'));
  const bad = summary.numFailedTests + summary.numRuntimeErrorTestSuites + (r.status === 0 ? 0 : 1);
  passed += summary.numPassedTests;
  failed += summary.numFailedTests + summary.numRuntimeErrorTestSuites;
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(
    `soak run ${run}/${repeat}: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed in ${secs} s${bad ? ' (FAILED)' : ''}\n`,
  );
  if (bad) {
    if (failed === 0) failed = 1; // jest itself failed (a crash, a timeout) without a failed test
    break;
  }
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
