import { fork } from 'node:child_process';
import http from 'node:http';

/**
 * The notifications benchmark's yardstick: a bare Node HTTP client (node:http, keep-alive agents)
 * sending small POSTs to the same provider stand-ins, over the same number of connections as
 * Herald held open to them, each connection always busy (the next request as soon as the answer
 * is in). No database, no queue, no SDK, no rendering: what those connections can carry on this
 * machine, so Herald's deliveries/s divided by this is the share the delivery engine keeps.
 *
 * It runs in a process of its own, as Herald does, so neither shares an event loop with the
 * benchmark. Every connection is opened (one untimed request each) before the clock starts.
 */
export interface BareResult {
  readonly requests: number;
  readonly errors: number;
  readonly requestsPerS: number;
}

interface Job {
  urls: string[];
  connections: number;
  requests: number;
}

async function drive(job: Job): Promise<BareResult> {
  // Connections shared out over the stand-ins as Herald's deliveries are (an equal share each).
  const agents = job.urls.map(
    (_, i) =>
      new http.Agent({
        keepAlive: true,
        maxSockets: Math.ceil((job.connections - i) / job.urls.length),
      }),
  );
  const body = JSON.stringify({ to: '+15555550101', message: 'Bench incident declared: critical' });
  let next = 0;
  let errors = 0;
  const one = (u: number): Promise<void> =>
    new Promise((resolve) => {
      const req = http.request(
        `${job.urls[u]}/bare`,
        {
          method: 'POST',
          agent: agents[u],
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          if ((res.statusCode ?? 0) >= 300) errors++;
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  // Every connection opened and used once before the clock starts, as Herald's were by its warm-up.
  await Promise.all(Array.from({ length: job.connections }, (_, c) => one(c % job.urls.length)));
  errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: job.connections }, async (_, c) => {
      while (next < job.requests) {
        next++;
        await one(c % job.urls.length);
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  for (const a of agents) a.destroy();
  return { requests: job.requests, errors, requestsPerS: Math.round(job.requests / s) };
}

/** Runs the bare client in a child process: `requests` POSTs over `connections` to `urls`. */
export function runBareClient(urls: string[], connections: number, requests: number): Promise<BareResult> {
  const child = fork(__filename, ['--drive'], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => {
      resolve(m as BareResult);
      child.disconnect();
    });
    child.once('exit', (code) => reject(new Error(`bare client exited with ${code}`)));
    child.send({ urls, connections, requests } satisfies Job);
  });
}

if (require.main === module && process.argv[2] === '--drive') {
  process.once('message', (job) => {
    drive(job as Job).then(
      (r) => process.send?.(r),
      (err: unknown) => {
        console.error(err); // eslint-disable-line no-console -- the yardstick failing
        process.exit(1);
      },
    );
  });
  process.once('disconnect', () => process.exit(0));
}
