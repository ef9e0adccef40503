import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { Clock } from '../../src/common/clock';
import { FakeSlack } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';

/**
 * The whole of Herald in-process (Slack on a fake Web API, the API token set, one integration of
 * each hook type) and the tools a bad-input property needs: send one request as given, tell
 * whether the database changed, wait for background jobs to settle, and count what was sent.
 */
export const API_TOKEN = 'hardening-api-token-0123456789abcdef';
export const SIGNING_SECRET = 'hardening-signing-secret-0123456789';
export const CHANNEL = 'C0INCIDENTS';
export const HOOK_TOKENS = {
  alertmanager: 'hardening-am-token-0123456789',
  sns: 'hardening-sns-token-0123456789',
  generic: 'hardening-generic-token-01234567',
} as const;

/** The shipped example with its `integrations: []` replaced by one integration of each type. */
export function configYaml(): string {
  const example = fs.readFileSync(path.resolve(__dirname, '../../herald.example.yml'), 'utf8');
  const integrations = [
    'integrations:',
    ...Object.entries(HOOK_TOKENS).flatMap(([type, token]) => [
      `  - id: fuzz-${type}`,
      `    type: ${type}`,
      `    token: ${token}`,
      '    default_service: api',
    ]),
  ].join('\n');
  if (!/^integrations: \[\]$/m.test(example)) throw new Error('herald.example.yml has no `integrations: []`');
  if (!/^ {2}max_failures: 20 /m.test(example))
    throw new Error('herald.example.yml has no `max_failures: 20`');
  // The fuzz sends hundreds of wrong tokens from one address on a clock that stands still: the
  // failed-auth throttle (its own test: test/api/auth-throttle.test.ts) would answer all the
  // rest 429, and the nearly-valid requests would never reach validation.
  return example
    .replace(/^integrations: \[\]$/m, integrations)
    .replace(/^ {2}max_failures: 20 /m, '  max_failures: 1000000 ');
}

export interface Harness {
  readonly t: TestDatabase;
  readonly fake: FakeSlack;
  readonly url: string;
  close(): Promise<void>;
}

export async function startHarness(clock?: Clock): Promise<Harness> {
  const fake = await new FakeSlack().start();
  const t = await createTestDatabase();
  const herald = await startTestHerald({
    databaseUrl: t.url,
    clock,
    configYaml: configYaml(),
    env: {
      HERALD_API_TOKEN: API_TOKEN,
      SLACK_BOT_TOKEN: 'xoxb-hardening',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      SLACK_INCIDENTS_CHANNEL: CHANNEL,
    },
  });
  return {
    t,
    fake,
    url: herald.url!,
    close: async () => {
      await herald.stop();
      await t.drop();
      await fake.stop();
    },
  };
}

/** One HTTP request exactly as a client (or an attacker) would send it. */
export interface BadRequest {
  readonly group: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

export interface Answer {
  readonly status: number;
  readonly text: string;
}

export async function send(base: string, req: BadRequest): Promise<Answer> {
  const res = await fetch(`${base}${req.path}`, {
    method: req.method,
    headers: req.headers,
    body: req.method === 'GET' || req.method === 'HEAD' ? undefined : (req.body as BodyInit | undefined),
  });
  return { status: res.status, text: await res.text() };
}

/** What to paste into a bug report: the request, shortened, and what came back. */
export function describe(req: BadRequest, answer?: Answer): string {
  const body =
    req.body === undefined
      ? '(none)'
      : typeof req.body === 'string'
        ? `${JSON.stringify(req.body.slice(0, 400))} (${req.body.length} chars)`
        : `bytes [${[...req.body.slice(0, 40)].join(',')}] (${req.body.length} bytes)`;
  const headers = Object.entries(req.headers)
    .map(([k, v]) => `${k}: ${v.slice(0, 120)}${v.length > 120 ? `… (${v.length})` : ''}`)
    .join('; ');
  const got = answer ? ` → ${answer.status} ${answer.text.slice(0, 400)}` : '';
  return `${req.method} ${req.path.slice(0, 300)} [${headers}] body ${body}${got}`;
}

/** Tables a request could change; rows are fingerprinted where the rows themselves matter. */
const COUNTED = [
  'incident_events',
  'deliveries',
  'delivery_attempts',
  'audit_log',
  'slack_incident_messages',
  'slack_thread_lines',
  'status_component_overrides',
  'escalations',
  'ack_nonces',
  'ingest_groups',
  'ingest_alerts',
];
const FINGERPRINTED = [
  'incidents',
  'status_maintenances',
  'status_subscribers',
  'oncall_overrides',
  'ingest_incidents',
];

/** Row counts and row fingerprints of every table a request may write. */
export async function snapshot(t: TestDatabase): Promise<string> {
  const parts = [
    ...COUNTED.map((table) => `(select count(*) from ${table})::text`),
    ...FINGERPRINTED.map(
      (table) =>
        `(select count(*) || ':' || coalesce(md5(string_agg(r::text, ',' order by r::text)), '') from ${table} r)`,
    ),
  ];
  const names = [...COUNTED, ...FINGERPRINTED];
  const { rows } = await t.pool.query<{ v: string[] }>(`select array[${parts.join(', ')}] as v`);
  return names.map((n, i) => `${n}=${rows[0]!.v[i]}`).join(' ');
}

/**
 * Waits until no job is due within 30 s (escalation levels minutes away are left alone) and the tables have stopped changing: what an accepted request
 * started (deliveries, escalation level 0, Slack sync, the 250/500 ms in-process ticks) has
 * finished, so the
 * next snapshot sees a quiet database.
 */
export async function settle(t: TestDatabase, quietMs = 1_200, ms = 40_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last = '';
  let quietSince = Date.now();
  for (;;) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from graphile_worker.jobs
      where run_at <= now() + interval '30 seconds' and attempts < max_attempts`.execute(t.db);
    const now = await snapshot(t);
    if (now !== last || rows[0]!.n > 0) quietSince = Date.now();
    else if (Date.now() - quietSince >= quietMs) return;
    last = now;
    if (Date.now() > deadline) throw new Error(`still busy after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function slackSignature(body: string, timestamp: string, secret = SIGNING_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Requests sent, by route group and status class (`2xx`, `4xx`…). */
export class Tally {
  private readonly counts = new Map<string, Map<string, number>>();

  record(group: string, status: number): void {
    const byClass = this.counts.get(group) ?? new Map<string, number>();
    const cls = `${Math.floor(status / 100)}xx`;
    byClass.set(cls, (byClass.get(cls) ?? 0) + 1);
    this.counts.set(group, byClass);
  }

  total(group?: string): number {
    let n = 0;
    for (const [g, byClass] of this.counts)
      if (!group || g === group) for (const c of byClass.values()) n += c;
    return n;
  }

  ofClass(cls: string): number {
    let n = 0;
    for (const byClass of this.counts.values()) n += byClass.get(cls) ?? 0;
    return n;
  }

  summary(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [g, byClass] of [...this.counts].sort()) out[g] = Object.fromEntries([...byClass].sort());
    return out;
  }
}
