import fs from 'node:fs';
import path from 'node:path';
import { NODE_FLAGS } from '../../src/runtime';

/** Herald's node flags live in three places that cannot import them; they must say the same. */
const root = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

describe('NODE_FLAGS', () => {
  it('are the flags of bin/herald.js (npx herald, the Procfile)', () => {
    const shebang = read('bin/herald.js').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
    expect(read('Procfile')).toMatch(/^web: npx herald web$/m);
    expect(read('Procfile')).toMatch(/^worker: npx herald worker$/m);
  });

  it('are the flags of npm start', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toContain(`node ${NODE_FLAGS.join(' ')} dist/src/cli.js start`);
  });
});

describe('the pinned runtime', () => {
  it('runs the tests on the Node of the `node` dependency, which `engines` names', () => {
    const pkg = JSON.parse(read('package.json')) as {
      dependencies: Record<string, string>;
      engines: { node: string };
    };
    const pinned = pkg.dependencies.node;
    expect(pinned).toMatch(/^24\.\d+\.\d+$/);
    expect(pkg.engines.node).toBe('>=24');
    // npm scripts (and npx) put node_modules/.bin first on PATH: this is the pinned Node.
    expect(process.version).toBe(`v${pinned}`);
  });
});
