#!/usr/bin/env -S node --max-semi-space-size=32
'use strict';
// The `herald` command. It runs the compiled CLI in dist/, building it first when dist/ is missing
// (scripts/build.js, also run by npm install, start and test). The shebang's flags are
// src/runtime.ts's NODE_FLAGS (env -S splits them). `npx herald` and npm scripts put the
// project's own Node (the `node` package, Node 24) first on PATH; any other Node is refused here.
const path = require('node:path');
const fs = require('node:fs');

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `herald needs Node.js 24 or newer, this is ${process.version}. Run it as \`npx herald …\` or ` +
      `through npm scripts, which use the project's own Node (${path.join('node_modules', '.bin', 'node')}).\n`,
  );
  process.exit(1);
}
const cli = path.join(__dirname, '..', 'dist', 'src', 'cli.js');
if (fs.existsSync(cli)) require(cli);
else
  require('../scripts/build.js')
    .build()
    .then(() => require(cli));
