import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Minimal provider stand-ins for benchmarks: one HTTP server per provider on 127.0.0.1, each
 * answering every request like the real API (SES and SNS query-protocol XML, Twilio JSON,
 * PagerDuty 202, a webhook 200) after a fixed latency. The tests' fakes record and inject faults;
 * these only count, so they cost the benchmark as little as possible.
 *
 * They run in a process of their own, as real providers run on machines of their own: in
 * Herald's process they would take turns on its event loop (40,000 requests parsed and answered
 * in a run) and the figures would be Herald's plus theirs.
 */
type Kind = 'ses' | 'sns' | 'twilio' | 'pagerduty' | 'webhook';
type Counts = Record<Kind, number>;

/** How the stand-ins were used since the last look: connections and requests at once. */
export interface ProviderUse {
  /** Connections open now, over all stand-ins. */
  readonly open: number;
  /** Most connections open at once since the last look. */
  readonly peakOpen: number;
  /** Most requests being answered at once since the last look. */
  readonly peakInFlight: number;
}

export interface BenchProviders {
  readonly urls: Record<Kind, string>;
  /** Requests answered so far, per provider. */
  counts(): Promise<Counts>;
  /** Connection and concurrency figures since the previous call (the peaks start again). */
  use(): Promise<ProviderUse>;
  stop(): Promise<void>;
}

/** Messages between the benchmark and the stand-ins' process. */
type FromChild = { urls: Record<Kind, string> } | { counts: Counts } | { use: ProviderUse };

let seq = 0;
const answers: Record<Kind, (path: string) => { status: number; type: string; body: string }> = {
  ses: () => ({
    status: 200,
    type: 'text/xml',
    body: `<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendEmailResult><MessageId>m-${++seq}</MessageId></SendEmailResult><ResponseMetadata><RequestId>r-${seq}</RequestId></ResponseMetadata></SendEmailResponse>`,
  }),
  sns: () => ({
    status: 200,
    type: 'text/xml',
    body: `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-${++seq}</MessageId></PublishResult><ResponseMetadata><RequestId>r-${seq}</RequestId></ResponseMetadata></PublishResponse>`,
  }),
  twilio: () => ({
    status: 201,
    type: 'application/json',
    body: JSON.stringify({ sid: `SM${String(++seq).padStart(32, '0')}`, status: 'queued' }),
  }),
  pagerduty: () => ({
    status: 202,
    type: 'application/json',
    body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: `k-${++seq}` }),
  }),
  webhook: () => ({ status: 200, type: 'application/json', body: '{}' }),
};

/** The stand-ins' process: serves until its parent disconnects. */
async function serveProviders(latencyMs: number): Promise<void> {
  const counts: Counts = { ses: 0, sns: 0, twilio: 0, pagerduty: 0, webhook: 0 };
  const servers: http.Server[] = [];
  const urls = {} as Record<Kind, string>;
  let open = 0;
  let peakOpen = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  for (const kind of Object.keys(answers) as Kind[]) {
    const server = http.createServer((req, res) => {
      peakInFlight = Math.max(peakInFlight, ++inFlight);
      req.resume();
      req.on('end', () => {
        setTimeout(() => {
          counts[kind]++;
          inFlight--;
          const a = answers[kind](req.url ?? '/');
          res.writeHead(a.status, { 'content-type': a.type });
          res.end(a.body);
        }, latencyMs);
      });
    });
    server.on('connection', (socket) => {
      peakOpen = Math.max(peakOpen, ++open);
      socket.once('close', () => open--);
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    urls[kind] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    servers.push(server);
  }
  process.send?.({ urls } satisfies FromChild);
  process.on('message', (m) => {
    if (m !== 'use') return void process.send?.({ counts } satisfies FromChild);
    process.send?.({ use: { open, peakOpen, peakInFlight } } satisfies FromChild);
    peakOpen = open;
    peakInFlight = inFlight;
  });
  process.once('disconnect', () => {
    for (const s of servers) s.closeAllConnections();
    process.exit(0);
  });
}

/** Starts the stand-ins in a child process; each answers after `latencyMs`. */
export async function startBenchProviders(latencyMs: number): Promise<BenchProviders> {
  const child = fork(__filename, ['--serve', String(latencyMs)], { stdio: 'inherit' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = () =>
    new Promise<FromChild>((resolve, reject) => {
      child.once('message', (m) => resolve(m as FromChild));
      child.once('exit', (code) => reject(new Error(`bench providers exited with ${code}`)));
    });
  const ready = await next();
  if (!('urls' in ready)) throw new Error('bench providers: expected their URLs first');
  return {
    urls: ready.urls,
    counts: async () => {
      const answer = next();
      child.send('counts');
      const m = await answer;
      if (!('counts' in m)) throw new Error('bench providers: expected counts');
      return m.counts;
    },
    use: async () => {
      const answer = next();
      child.send('use');
      const m = await answer;
      if (!('use' in m)) throw new Error('bench providers: expected their use');
      return m.use;
    },
    stop: async () => {
      child.disconnect();
      await exited;
    },
  };
}

if (require.main === module && process.argv[2] === '--serve') {
  serveProviders(Number(process.argv[3])).catch((err: unknown) => {
    console.error(err); // eslint-disable-line no-console -- the stand-ins' process failing to start
    process.exit(1);
  });
}
