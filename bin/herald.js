#!/usr/bin/env node
'use strict';
// The compiled CLI; `npm run build` (run by npm start/test) produces it.
require('../dist/src/cli.js');
