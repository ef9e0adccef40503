#!/usr/bin/env node
'use strict';
/**
 * Compiles Herald's TypeScript (src, migrations, bench) to dist/ with swc, one file at a time,
 * skipping every file whose output is newer than its source: on an unchanged tree it only reads
 * the file dates (tens of milliseconds), where `tsc` took 17 s. Type checking is `npm run
 * typecheck`'s job, not the build's (tsconfig has isolatedModules, so each file compiles alone).
 *
 * Runs at install (`prepare`), before `npm start`, `npm test` and `npm run bench`, and from
 * bin/herald.js when dist/ is missing. `--clean` removes dist/ first.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist');
const DIRS = ['src', 'migrations', 'bench'];
const SOURCE = /\.(ts|tsx)$/;

/** Every .ts/.tsx under `dir` (no .d.ts), relative to ROOT. */
function sources(dir) {
  const found = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) found.push(child);
    }
  };
  if (fs.existsSync(path.join(ROOT, dir))) walk(dir);
  return found;
}

const outputOf = (rel) => path.join(OUT, rel.replace(SOURCE, '.js'));

/** Source files whose compiled output is missing or older than the source. */
function stale(files) {
  return files.filter((rel) => {
    const out = outputOf(rel);
    try {
      return fs.statSync(out).mtimeMs < fs.statSync(path.join(ROOT, rel)).mtimeMs;
    } catch {
      return true;
    }
  });
}

/** Outputs whose source is gone (a file deleted or renamed), so dist/ never runs dead code. */
function orphans(files) {
  const wanted = new Set(files.map(outputOf));
  const found = [];
  const walk = (dir) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const child = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.js') && !wanted.has(child)) found.push(child);
    }
  };
  for (const dir of DIRS) walk(path.join(OUT, dir));
  return found;
}

function swcOptions(rel) {
  return {
    filename: path.join(ROOT, rel),
    sourceMaps: true,
    sourceFileName: path.relative(path.dirname(outputOf(rel)), path.join(ROOT, rel)),
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', tsx: rel.endsWith('.tsx') },
      transform: { react: { runtime: 'automatic', importSource: 'preact' } },
      keepClassNames: true,
    },
    module: { type: 'commonjs', strict: true, lazy: true },
  };
}

async function build({ clean = false, quiet = false } = {}) {
  const started = process.hrtime.bigint();
  if (clean) fs.rmSync(OUT, { recursive: true, force: true });
  const files = DIRS.flatMap(sources);
  const todo = stale(files);
  const removed = orphans(files);
  for (const f of removed) {
    fs.rmSync(f, { force: true });
    fs.rmSync(`${f}.map`, { force: true });
  }
  if (todo.length > 0) {
    // Loaded only when something changed: an unchanged tree never pays for swc itself.
    const swc = require('@swc/core');
    await Promise.all(
      todo.map(async (rel) => {
        const source = await fs.promises.readFile(path.join(ROOT, rel), 'utf8');
        const out = await swc.transform(source, swcOptions(rel));
        const target = outputOf(rel);
        await fs.promises.mkdir(path.dirname(target), { recursive: true });
        const map = `${path.basename(target)}.map`;
        await fs.promises.writeFile(`${target}.map`, out.map ?? '');
        // Written aside, then renamed: an interrupted build never leaves a half file that looks new.
        await fs.promises.writeFile(`${target}.tmp`, `${out.code}\n//# sourceMappingURL=${map}\n`);
        await fs.promises.rename(`${target}.tmp`, target);
      }),
    );
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!quiet && (todo.length > 0 || removed.length > 0))
    process.stderr.write(
      `build: ${todo.length} of ${files.length} files compiled, ${removed.length} removed, in ${ms.toFixed(0)} ms\n`,
    );
  return { compiled: todo.length, removed: removed.length, total: files.length, ms };
}

module.exports = { build };

if (require.main === module) {
  build({ clean: process.argv.includes('--clean'), quiet: process.argv.includes('--quiet') }).catch((err) => {
    process.stderr.write(`build failed: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
