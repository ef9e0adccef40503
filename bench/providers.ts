import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Minimal provider stand-ins for benchmarks: one HTTP server per provider on 127.0.0.1, each
 * answering every request like the real API (SES and SNS query-protocol XML, Twilio JSON,
 * PagerDuty 202, a webhook 200) after a fixed latency. The tests' fakes record and inject faults;
 * these only count, so they cost the benchmark as little as possible.
 */
export interface BenchProviders {
  readonly urls: { ses: string; sns: string; twilio: string; pagerduty: string; webhook: string };
  readonly counts: Record<'ses' | 'sns' | 'twilio' | 'pagerduty' | 'webhook', number>;
  stop(): Promise<void>;
}

type Kind = keyof BenchProviders['counts'];

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

export async function startBenchProviders(latencyMs: number): Promise<BenchProviders> {
  const counts: BenchProviders['counts'] = { ses: 0, sns: 0, twilio: 0, pagerduty: 0, webhook: 0 };
  const servers: http.Server[] = [];
  const urls = {} as Record<Kind, string>;
  for (const kind of Object.keys(answers) as Kind[]) {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        setTimeout(() => {
          counts[kind]++;
          const a = answers[kind](req.url ?? '/');
          res.writeHead(a.status, { 'content-type': a.type });
          res.end(a.body);
        }, latencyMs);
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    urls[kind] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    servers.push(server);
  }
  return {
    urls,
    counts,
    stop: async () => {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}
