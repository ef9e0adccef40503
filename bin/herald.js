#!/usr/bin/env -S node --max-semi-space-size=32
'use strict';
// The compiled CLI; `npm run build` (run by npm start/test) produces it. The shebang's flags are
// src/runtime.ts's NODE_FLAGS (env -S splits them).
require('../dist/src/cli.js');
