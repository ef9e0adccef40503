/* eslint-disable no-console -- a benchmark prints its figures */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as escalation from './escalation';
import * as ingest from './ingest';
import * as notifications from './notifications';
import * as pagesfirst from './pagesfirst';
import * as scaleout from './scaleout';
import * as startup from './startup';
import * as statuspage from './statuspage';
import * as storm from './storm';
import { withHeraldFlags } from './support';

/**
 * `npm run bench [name…]`: runs each benchmark in turn (all by default), prints its figures as a
 * table and writes them all to bench/results.json with the machine they were measured on.
 * Benchmarks are figures, not tests: nothing here passes or fails on speed.
 */
type Bench = () => Promise<Record<string, number>>;

const BENCHES: Record<string, Bench> = {
  notifications: notifications.run,
  escalation: escalation.run,
  statuspage: statuspage.run,
  ingest: ingest.run,
  storm: storm.run,
  scaleout: scaleout.run,
  startup: startup.run,
  pagesfirst: pagesfirst.run,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in BENCHES));
  if (unknown.length)
    throw new Error(`unknown benchmark ${unknown.join(', ')} (known: ${Object.keys(BENCHES).join(', ')})`);
  const results: Record<string, Record<string, number>> = {};
  for (const name of wanted.length ? wanted : Object.keys(BENCHES)) {
    console.log(`\n=== ${name}`);
    const figures = await BENCHES[name]!();
    console.table(figures);
    results[name] = figures;
  }
  const out = {
    measured_at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      node_flags: process.execArgv,
    },
    results,
  };
  const file = path.resolve(__dirname, '../../bench/results.json');
  fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
}

if (withHeraldFlags()) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
