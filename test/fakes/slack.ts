import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Slack Web API on 127.0.0.1, reached by the real @slack/web-api client through
 * `slackApiUrl` (SLACK_API_URL). It records every call with its decoded arguments and answers the
 * way Slack does for the methods Herald uses; faults (429 with Retry-After, Slack error codes,
 * 5xx) are injected per method, or decided per call by a policy (an outage over a test's clock).
 * `POST /response/<id>` stands in for interaction response_urls.
 */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
  /** When the call arrived, in milliseconds of the fake's `now` (real time unless given a clock). */
  at: number;
  /** The HTTP status answered, and Slack's `error` when the answer was not ok. */
  status?: number;
  error?: string;
}

export type SlackFault = { status: 429; retryAfter: number } | { status: 500 } | { error: string };

export class FakeSlack {
  readonly calls: SlackCall[] = [];
  readonly responses: Array<{ id: string; body: Record<string, unknown> }> = [];
  private server?: http.Server;
  private faults = new Map<string, SlackFault[]>();
  private policy?: (call: SlackCall) => SlackFault | undefined;
  private tsCounter = 0;
  url = '';

  /** `now` stamps each call's `at`: pass a test's injected clock to compare with Herald's times. */
  constructor(private readonly now: () => number = Date.now) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** What SLACK_API_URL should be set to. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next call(s) to `method` fail this way, in order. */
  fail(method: string, ...faults: SlackFault[]): void {
    this.faults.set(method, [...(this.faults.get(method) ?? []), ...faults]);
  }

  /**
   * Until cleared (`undefined`), `policy` decides each Web API call's fault before the per-method
   * queue does (undefined lets the call through). response_url posts are not Web API calls.
   */
  failWith(policy: ((call: SlackCall) => SlackFault | undefined) | undefined): void {
    this.policy = policy;
  }

  /** Calls Slack answered ok (HTTP 200, `ok: true`). */
  get succeeded(): SlackCall[] {
    return this.calls.filter((c) => c.status === 200 && c.error === undefined);
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
    this.faults.clear();
    this.policy = undefined;
  }

  /** Waits until `predicate` holds over the recorded calls (polls every 10 ms, up to `ms`). */
  async waitFor(predicate: (calls: SlackCall[]) => boolean, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate(this.calls)) {
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting on fake Slack; calls: ${this.calls.map((c) => c.method).join(', ')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '').split('?')[0] ?? '';
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (path.startsWith('/response/')) {
      this.responses.push({ id: path.slice('/response/'.length), body: JSON.parse(raw || '{}') });
      return json(200, { ok: true });
    }
    const method = path.replace(/^\/api\//, '');
    const args = decodeArgs(raw, String(req.headers['content-type'] ?? ''));
    const auth = req.headers.authorization;
    const call: SlackCall = { method, args, token: auth?.replace(/^Bearer /, ''), at: this.now() };
    this.calls.push(call);
    const reply = (status: number, body: Record<string, unknown>, headers?: Record<string, string>) => {
      call.status = status;
      if (typeof body.error === 'string') call.error = body.error;
      json(status, body, headers);
    };

    const fault = this.policy?.(call) ?? this.faults.get(method)?.shift();
    if (fault && 'status' in fault && fault.status === 429) {
      return reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfter) });
    }
    if (fault && 'status' in fault) return reply(fault.status, { ok: false, error: 'internal_error' });
    if (fault && 'error' in fault) return reply(200, { ok: false, error: fault.error });
    reply(200, this.answer(method, args));
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const ts = (): string => `1700000000.${String(++this.tsCounter).padStart(6, '0')}`;
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://acme.slack.com/',
          team: 'Acme',
          user: 'herald',
          team_id: 'T0TEAM',
          user_id: 'U0HERALD',
          bot_id: 'B0HERALD',
        };
      case 'chat.postMessage':
        return {
          ok: true,
          // Posted to a user ID, the message lands in the app's DM with that user, as on Slack.
          channel: /^[UW]/.test(String(args.channel)) ? `D${String(args.channel)}` : args.channel,
          ts: ts(),
          message: { text: args.text, blocks: args.blocks },
        };
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: ts() };
      case 'views.open':
      case 'views.update':
      case 'views.push':
      case 'views.publish':
        return { ok: true, view: { id: `V${++this.tsCounter}`, ...(args.view as object) } };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args.users ?? 'X').split(',')[0]}` } };
      case 'users.info':
        return {
          ok: true,
          user: { id: args.user, tz: 'Europe/London', real_name: `User ${String(args.user)}` },
        };
      default:
        return { ok: true };
    }
  }
}

/** Slack's clients send form bodies whose structured fields (blocks, view) are JSON strings. */
function decodeArgs(raw: string, contentType: string): Record<string, unknown> {
  if (!raw) return {};
  if (contentType.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    out[k] = /^[[{]/.test(v) ? safeJson(v) : v;
  }
  return out;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
