import fc from 'fast-check';
import { DateTime } from 'luxon';
import { SEVERITIES } from '../../src/incidents/incident';
import { ManualClock } from '../../src/common/clock';
import {
  authorization,
  encode,
  headerSafe,
  junkObject,
  junkParam,
  junkQuery,
  junkText,
  junkValue,
  nested,
  payload,
  type Payload,
} from './arbitraries';
import {
  API_TOKEN,
  CHANNEL,
  HOOK_TOKENS,
  SIGNING_SECRET,
  Tally,
  describe as describeRequest,
  send,
  settle,
  slackSignature,
  snapshot,
  startHarness,
  type Answer,
  type BadRequest,
  type Harness,
} from './support';

/**
 * Issue 8, item 3: hostile input on every route. Each generated request must get an answer
 * below 500, the server must still answer /healthz after it, and a rejected request (4xx) must
 * leave every table it could write exactly as it was. The seed is fixed so CI is deterministic;
 * a failure prints the request to reproduce it.
 */
const SEED = 20261126;
const tally = new Tally();
let h: Harness;

jest.setTimeout(120_000);

beforeAll(async () => {
  // Domain time stands still, so nothing clock-driven (escalation levels, held deliveries,
  // digests) changes the database between a snapshot and the next: only requests do.
  h = await startHarness(new ManualClock(DateTime.utc()));
  for (const title of ['Checkout down', 'Slack replay target']) {
    const res = await fetch(`${h.url}/api/v1/incidents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title, severity: 'high', services: ['api'] }),
    });
    if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  }
  await settle(h.t);
});

afterAll(async () => {
  await h?.close();
});

/** Sends one request and checks the three promises; throws (with a reproduction) on a breach. */
async function probe(req: BadRequest, check?: (answer: Answer) => void): Promise<Answer> {
  return (await probeBatch([req], check))[0]!;
}

/**
 * Sends requests at once (Bolt holds a signed request no listener takes for its 3-second ack
 * timeout, so Slack junk goes in batches). State is compared across the batch when every
 * request in it was rejected; after an accepted write, background work settles first.
 */
async function probeBatch(reqs: readonly BadRequest[], check?: (answer: Answer) => void): Promise<Answer[]> {
  const before = await snapshot(h.t);
  const answers = await Promise.all(
    reqs.map(async (req) => {
      try {
        return await send(h.url, req);
      } catch (err) {
        throw new Error(`no answer (${(err as Error).message}): ${describeRequest(req)}`, { cause: err });
      }
    }),
  );
  reqs.forEach((req, i) => tally.record(req.group, answers[i]!.status));
  const failed = reqs.findIndex((_, i) => answers[i]!.status >= 500);
  if (failed >= 0) throw new Error(`5xx: ${describeRequest(reqs[failed]!, answers[failed])}`);
  const health = await fetch(`${h.url}/healthz`);
  if (health.status !== 200)
    throw new Error(`/healthz ${health.status} after ${reqs.map((r) => describeRequest(r)).join('\n')}`);
  if (answers.every((a) => a.status >= 400)) {
    const after = await snapshot(h.t);
    if (after !== before) {
      const sent = reqs.map((r, i) => describeRequest(r, answers[i])).join('\n');
      throw new Error(`rejected request changed state:\n  ${before}\n  ${after}\n${sent}`);
    }
  } else if (reqs.some((r) => r.method !== 'GET')) {
    await settle(h.t);
  }
  if (check) answers.forEach(check);
  return answers;
}

/** fast-check prints counterexamples in full; a 300 KB body would bury the report. */
const printable = (req: BadRequest): BadRequest =>
  Object.assign(req, { [fc.toStringMethod]: () => describeRequest(req) });

const run = (arb: fc.Arbitrary<BadRequest>, numRuns: number, check?: (a: Answer) => void) =>
  fc.assert(
    fc.asyncProperty(arb.map(printable), async (req) => {
      await probe(req, check);
    }),
    { numRuns, seed: SEED, endOnFailure: true },
  );

function headersOf(p: Payload, extra: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  if (p.contentType) out['content-type'] = p.contentType;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) out[k] = v;
  return out;
}

const fill = (template: string, param: string): string => template.replace(/:\w+/, param);

const API_ROUTES: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  [
    'POST',
    '/api/v1/incidents',
    ['title', 'severity', 'services', 'description', 'impact', 'commander', 'public_title', 'private'],
  ],
  ['GET', '/api/v1/incidents', ['status', 'severity', 'service', 'limit', 'before']],
  ['GET', '/api/v1/incidents/:ref', []],
  [
    'POST',
    '/api/v1/incidents/:ref/updates',
    ['message', 'status', 'public_message', 'severity', 'title', 'services', 'public_title', 'private'],
  ],
  ['POST', '/api/v1/incidents/:ref/publish', ['public_title']],
  ['POST', '/api/v1/incidents/:ref/acknowledge', []],
  ['POST', '/api/v1/incidents/:ref/resolve', ['message', 'public_message', 'root_cause', 'resolution_steps']],
  ['POST', '/api/v1/incidents/:ref/reopen', ['message']],
  ['POST', '/api/v1/incidents/:ref/escalate', ['message']],
  ['GET', '/api/v1/incidents/:ref/deliveries', []],
  ['GET', '/api/v1/incidents/:ref/components', []],
  ['PUT', '/api/v1/incidents/:ref/components', ['components']],
  ['GET', '/api/v1/stats', ['hours']],
  ['GET', '/api/v1/oncall', ['at']],
  ['POST', '/api/v1/schedules/:id/overrides', ['person', 'start', 'end']],
  ['GET', '/api/v1/maintenances', ['state', 'limit']],
  ['POST', '/api/v1/maintenances', ['title', 'components', 'starts_at', 'ends_at', 'message']],
  ['GET', '/api/v1/maintenances/:ref', []],
  ['POST', '/api/v1/maintenances/:ref/complete', []],
  ['POST', '/api/v1/maintenances/:ref/cancel', []],
];

/** Mostly-valid declarations with one poisoned field, so validation and rendering are reached. */
const nearlyValidDeclare: fc.Arbitrary<Payload> = fc
  .record({
    title: junkText,
    severity: fc.oneof(fc.constantFrom(...SEVERITIES), junkValue),
    services: fc.oneof(fc.constant(['api']), fc.constant(['nope']), fc.array(junkText, { maxLength: 3 })),
    description: fc.option(junkText, { nil: undefined }),
  })
  .map((o) => ({ contentType: 'application/json', body: JSON.stringify(o) }));

const apiRequest: fc.Arbitrary<BadRequest> = fc
  .tuple(
    fc.constantFrom(...API_ROUTES),
    fc.oneof(
      { arbitrary: fc.constantFrom('INC-1', '1', 'primary', 'MNT-1'), weight: 1 },
      { arbitrary: junkParam, weight: 3 },
    ),
    fc.oneof({ arbitrary: fc.constant(''), weight: 1 }, { arbitrary: fc.constant('q'), weight: 1 }),
    authorization(API_TOKEN, Object.values(HOOK_TOKENS)),
    fc.option(
      junkText.map((s) => headerSafe(s.slice(0, 6000))),
      { nil: undefined },
    ),
    fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'right', 'right', 'right', 'right', 'right'),
  )
  .chain(([[method, template, fields], param, q, auth, actor, m]) =>
    fc
      .tuple(
        template === '/api/v1/incidents' && method === 'POST'
          ? fc.oneof(nearlyValidDeclare, payload(fields))
          : payload(fields),
        q ? junkQuery(fields) : fc.constant(''),
      )
      .map(([p, query]) => ({
        group: 'api /api/v1',
        method: m === 'right' ? method : m,
        path: fill(template, param) + query,
        headers: headersOf(p, { authorization: auth, 'x-herald-actor': actor }),
        body: p.body,
      })),
  );

const STATUS_PATHS = [
  '/',
  '/internal',
  '/api/v2/summary.json',
  '/api/v2/status.json',
  '/api/v2/components.json',
  '/api/v2/incidents.json',
  '/api/v2/incidents/unresolved.json',
  '/api/v2/scheduled-maintenances.json',
  '/history.atom',
  '/history.rss',
  '/incidents/:ref',
  '/healthz',
  '/readyz',
  '/metrics',
] as const;

const statusRequest: fc.Arbitrary<BadRequest> = fc
  .record({
    path: fc.constantFrom(...STATUS_PATHS),
    ref: fc.oneof(fc.constantFrom('INC-1', 'INC-2', 'inc-3'), junkParam),
    query: junkQuery(['token', 'page', 'format']),
    method: fc.constantFrom('GET', 'GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'),
    auth: authorization(API_TOKEN),
    ifNoneMatch: fc.option(fc.oneof(fc.constantFrom('*', 'W/"x"', '"', '""', 'W/'), junkText), {
      nil: undefined,
    }),
    ifModifiedSince: fc.option(
      fc.oneof(
        fc.constantFrom('yesterday', '0', 'Thu, 01 Jan 1970 00:00:00 GMT', 'Fri, 31 Dec 9999 23:59:59 GMT'),
        junkText,
      ),
      { nil: undefined },
    ),
    acceptEncoding: fc.option(
      fc.oneof(
        fc.constantFrom('gzip;q=abc', 'br;q=-1, *;q=0', 'identity;q=0', '*;q=0', 'x'.repeat(3000)),
        junkText,
      ),
      { nil: undefined },
    ),
    accept: fc.option(fc.oneof(fc.constantFrom('application/json', '*/*;q=x', 'text/html;;;'), junkText), {
      nil: undefined,
    }),
    p: payload(['title', 'email']),
  })
  .map((r) => ({
    group: 'status pages, feeds, /api/v2, health',
    method: r.method,
    path: fill(r.path, r.ref) + r.query,
    headers: headersOf(r.method === 'GET' ? {} : r.p, {
      authorization: r.auth,
      'if-none-match': r.ifNoneMatch && headerSafe(r.ifNoneMatch.slice(0, 4000)),
      'if-modified-since': r.ifModifiedSince && headerSafe(r.ifModifiedSince.slice(0, 4000)),
      'accept-encoding': r.acceptEncoding && headerSafe(r.acceptEncoding.slice(0, 4000)),
      accept: r.accept && headerSafe(r.accept.slice(0, 4000)),
    }),
    body: r.method === 'GET' ? undefined : r.p.body,
  }));

const SUBSCRIBE_ROUTES = [
  ['POST', '/subscribe'],
  ['GET', '/subscribe/confirm'],
  ['POST', '/subscribe/confirm'],
  ['GET', '/unsubscribe'],
  ['POST', '/unsubscribe'],
  ['GET', '/ack/:token'],
  ['POST', '/ack/:token'],
] as const;

const subscribeRequest: fc.Arbitrary<BadRequest> = fc
  .record({
    route: fc.constantFrom(...SUBSCRIBE_ROUTES),
    token: fc.oneof(junkParam, fc.string({ minLength: 10, maxLength: 300 }).map(encode)),
    query: junkQuery(['token', 'email']),
    p: payload(['email', 'token']),
    accept: fc.constantFrom(undefined, 'application/json', 'text/html'),
  })
  .map(({ route, token, query, p, accept }) => {
    const [method, template] = route as readonly [string, string];
    return {
      group: template.startsWith('/ack') ? 'ack links' : 'subscribe, unsubscribe',
      method,
      path: fill(template, token) + query,
      headers: headersOf(method === 'GET' ? {} : p, { accept }),
      body: method === 'GET' ? undefined : p.body,
    };
  });

const HOOK_FIELDS = {
  alertmanager: [
    'version',
    'groupKey',
    'status',
    'receiver',
    'alerts',
    'commonLabels',
    'commonAnnotations',
    'externalURL',
  ],
  generic: ['title', 'severity', 'service', 'dedup_key', 'status', 'details'],
  sns: [
    'Type',
    'Message',
    'MessageId',
    'TopicArn',
    'Signature',
    'SignatureVersion',
    'SigningCertURL',
    'SubscribeURL',
    'Token',
    'Timestamp',
  ],
} as const;

type HookType = keyof typeof HOOK_FIELDS;

/** Bodies that pass the outer shape, carrying junk inside (labels, statuses, times, SNS fields). */
function nearlyValidHook(type: HookType): fc.Arbitrary<Payload> {
  const json = (o: unknown): Payload => ({ contentType: 'application/json', body: JSON.stringify(o) });
  if (type === 'alertmanager') {
    const alert = fc.record({
      status: fc.oneof(fc.constantFrom('firing', 'resolved'), junkValue),
      labels: fc.oneof(
        junkObject(['alertname', 'severity', 'service', 'instance']),
        fc.constant({ alertname: 'x' }),
      ),
      annotations: junkObject(['summary', 'description']),
      startsAt: fc.oneof(fc.constant('2026-11-26T21:30:00Z'), junkValue),
      endsAt: junkValue,
      fingerprint: junkValue,
    });
    return fc
      .record({
        version: fc.constantFrom('4', 4, '3'),
        status: fc.constantFrom('firing', 'resolved', 'x'),
        alerts: fc.array(alert, { maxLength: 3 }),
        groupKey: junkValue,
      })
      .map(json);
  }
  if (type === 'generic') {
    return fc
      .record({
        title: junkText,
        severity: fc.oneof(fc.constantFrom(...SEVERITIES), junkValue),
        service: fc.oneof(fc.constant('api'), junkValue),
        dedup_key: fc.oneof(junkText, junkValue),
        status: fc.oneof(fc.constantFrom('firing', 'resolved'), junkValue),
        details: junkValue,
      })
      .map(json);
  }
  return fc
    .record({
      Type: fc.constantFrom('Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation', 'Other'),
      Message: fc.oneof(
        junkText,
        junkValue.map((v) => JSON.stringify(v)),
      ),
      MessageId: junkText,
      TopicArn: fc.oneof(fc.constant('arn:aws:sns:eu-west-1:123456789012:alarms'), junkText),
      Timestamp: fc.oneof(fc.constant('2026-11-26T21:30:00Z'), junkText),
      SignatureVersion: fc.constantFrom('1', '2', '3', ''),
      Signature: fc.oneof(fc.constant('AAAA'), junkText),
      // Never a real SNS host: the suite must not reach the network.
      SigningCertURL: fc.constantFrom(
        'https://evil.example.com/cert.pem',
        'http://127.0.0.1:1/x.pem',
        'file:///etc/passwd',
        'not a url',
      ),
      SubscribeURL: fc.constantFrom('https://evil.example.com/', 'http://127.0.0.1:1/'),
      Token: junkText,
    })
    .map((o) => ({ contentType: 'text/plain; charset=UTF-8', body: JSON.stringify(o) }));
}

const hookRequest: fc.Arbitrary<BadRequest> = fc
  .constantFrom<HookType>('alertmanager', 'generic', 'sns')
  .chain((type) =>
    fc
      .record({
        p: fc.oneof(nearlyValidHook(type), payload(HOOK_FIELDS[type])),
        auth: authorization(HOOK_TOKENS[type], [
          API_TOKEN,
          ...Object.values(HOOK_TOKENS).filter((t) => t !== HOOK_TOKENS[type]),
        ]),
        byQuery: fc.boolean(),
        query: junkQuery(['token']),
        method: fc.constantFrom('POST', 'POST', 'POST', 'POST', 'GET', 'PUT'),
      })
      .map(({ p, auth, byQuery, query, method }) => {
        const viaQuery = byQuery && auth?.startsWith('Bearer ');
        const path = viaQuery
          ? `/hooks/${type}?token=${encode(auth!.slice('Bearer '.length))}`
          : `/hooks/${type}${query}`;
        return {
          group: `hooks /hooks/${type}`,
          method,
          path,
          headers: headersOf(method === 'GET' ? {} : p, { authorization: viaQuery ? undefined : auth }),
          body: method === 'GET' ? undefined : p.body,
        };
      }),
  );

const form = (o: Record<string, string>): string => new URLSearchParams(o).toString();

const slackBody: fc.Arbitrary<Payload> = fc.oneof(
  junkText.map((text) => ({
    contentType: 'application/x-www-form-urlencoded',
    body: form({
      command: '/incident',
      text,
      user_id: 'U0FUZZ001',
      team_id: 'T0TEAM',
      channel_id: 'C0GENERAL',
      response_url: 'http://127.0.0.1:1/response/x',
      trigger_id: 'trig-fuzz',
    }),
  })),
  junkValue.map((v) => ({
    contentType: 'application/x-www-form-urlencoded',
    body: form({ payload: JSON.stringify(v) }),
  })),
  fc
    .constantFrom(
      '{',
      '[]',
      'payload=%7B',
      'payload={"type":"block_actions"}',
      'ssl_check=1',
      'type=url_verification&challenge=x',
    )
    .map((body) => ({
      contentType: 'application/x-www-form-urlencoded',
      body,
    })),
  junkObject(['type', 'challenge', 'event', 'team_id', 'token']).map((o) => ({
    contentType: 'application/json',
    body: JSON.stringify(o),
  })),
  fc.constant<Payload>({
    contentType: 'application/json',
    body: JSON.stringify({ type: 'url_verification', challenge: '<script>alert(1)</script>' }),
  }),
  payload(['type', 'payload', 'command', 'text']),
);

const SIGNING = ['none', 'bad', 'wrong-secret', 'stale', 'future', 'garbage-ts', 'valid', 'valid'] as const;

const slackRequest: fc.Arbitrary<BadRequest> = fc
  .record({
    p: slackBody,
    signing: fc.constantFrom(...SIGNING),
    garbageTs: fc.constantFrom('abc', '', '-1', '1e99', '0x10', ' 1', String(2 ** 53)),
    retry: fc.option(fc.constantFrom('1', '2', 'abc'), { nil: undefined }),
  })
  .map(({ p, signing, garbageTs, retry }) => {
    const now = Math.floor(Date.now() / 1000);
    const ts =
      signing === 'stale'
        ? String(now - 301)
        : signing === 'future'
          ? String(now + 600)
          : signing === 'garbage-ts'
            ? garbageTs
            : String(now);
    const text = typeof p.body === 'string' ? p.body : p.body ? Buffer.from(p.body).toString('utf8') : '';
    const headers: Record<string, string | undefined> = {
      'x-slack-retry-num': retry,
      'x-slack-retry-reason': retry && 'http_timeout',
    };
    if (signing !== 'none') {
      headers['x-slack-request-timestamp'] = ts;
      headers['x-slack-signature'] =
        signing === 'bad'
          ? 'v0=deadbeef'
          : slackSignature(text, ts, signing === 'wrong-secret' ? 'not-the-secret' : SIGNING_SECRET);
    }
    return {
      group: `slack /slack/events (${signing === 'valid' ? 'signed' : 'unsigned or badly signed'})`,
      method: 'POST',
      path: '/slack/events',
      headers: headersOf(p, headers),
      body: typeof p.body === 'string' || p.body === undefined ? text || p.body : p.body,
    };
  });

const HTML_ATTACKS = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>'];

it('the REST API (/api/v1/*) answers every bad request below 500 and changes nothing it rejects', async () => {
  await run(apiRequest, 220);
});

it('the status pages, feeds, Statuspage JSON, health and metrics answer below 500 and never echo markup', async () => {
  await run(statusRequest, 90, (answer) => {
    for (const attack of HTML_ATTACKS) expect(answer.text).not.toContain(attack);
  });
});

it('subscribe, unsubscribe and ack links answer bad tokens and bodies below 500', async () => {
  await run(subscribeRequest, 70, (answer) => {
    for (const attack of HTML_ATTACKS) expect(answer.text).not.toContain(attack);
  });
});

it('the alert hooks answer bad tokens, bodies and content types below 500', async () => {
  await run(hookRequest, 110);
});

it('/slack/events refuses unsigned, badly signed, stale and future requests and survives signed junk', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(slackRequest.map(printable), { minLength: 5, maxLength: 5 }), async (batch) => {
      await probeBatch(batch);
    }),
    { numRuns: 20, seed: SEED, endOnFailure: true },
  );
  await settle(h.t);
});

it('a replayed signed `/incident ack` acknowledges once and never answers 5xx', async () => {
  const ts = String(Math.floor(Date.now() / 1000));
  const body = form({
    command: '/incident',
    text: 'ack INC-2',
    user_id: 'U0REPLAY1',
    user_name: 'replayer',
    team_id: 'T0TEAM',
    channel_id: CHANNEL,
    response_url: `${h.fake.url}/response/replay`,
    trigger_id: 'trig-replay',
    api_app_id: 'A0HERALD',
  });
  const signed = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': ts,
    'x-slack-signature': slackSignature(body, ts),
  };
  const req = (group: string, extra: Record<string, string> = {}): BadRequest => ({
    group,
    method: 'POST',
    path: '/slack/events',
    headers: { ...signed, ...extra },
    body,
  });
  const acks = async (): Promise<number> => {
    const { rows } = await h.t.pool.query<{ n: number }>(
      `select count(*)::int as n from incident_events e join incidents i on i.id = e.incident_id
       where i.id = 2 and e.kind = 'acknowledged'`,
    );
    return rows[0]!.n;
  };
  expect(await acks()).toBe(0);

  expect((await probe(req('slack replay'))).status).toBe(200);
  await h.fake.waitFor(() => h.fake.responses.some((r) => r.id === 'replay'));
  await settle(h.t);
  expect(await acks()).toBe(1);

  await new Promise((r) => setTimeout(r, 1_100)); // "later": a new second on Slack's clock
  const replays = [
    req('slack replay'),
    req('slack replay', { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }),
    req('slack replay', { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_error' }),
  ];
  for (const r of replays) expect((await probe(r)).status).toBeLessThan(500);
  await h.fake.waitFor(() => h.fake.responses.filter((r) => r.id === 'replay').length >= 2);
  await settle(h.t);
  expect(await acks()).toBe(1);

  // The same bytes with a timestamp over five minutes old are refused, and change nothing.
  const old = String(Math.floor(Date.now() / 1000) - 301);
  const stale = await probe({
    ...req('slack replay'),
    headers: { ...signed, 'x-slack-request-timestamp': old, 'x-slack-signature': slackSignature(body, old) },
  });
  expect(stale.status).toBe(401);
  expect(await acks()).toBe(1);
});

/** Valid bodies, one per route taking JSON, that a poisoned field is put into. */
const POISON_TARGETS: ReadonlyArray<{
  readonly group: string;
  readonly path: string;
  readonly auth?: string;
  readonly contentType?: string;
  readonly base: Record<string, unknown>;
  readonly field: string;
}> = [
  {
    group: 'edges /api/v1',
    path: '/api/v1/incidents',
    auth: API_TOKEN,
    base: { title: 'Edge', severity: 'high', services: ['api'] },
    field: 'title',
  },
  {
    group: 'edges /api/v1',
    path: '/api/v1/incidents/INC-1/updates',
    auth: API_TOKEN,
    base: { message: 'edge update' },
    field: 'message',
  },
  {
    group: 'edges /api/v1',
    path: '/api/v1/incidents/INC-1/resolve',
    auth: API_TOKEN,
    base: { message: 'edge resolve' },
    field: 'root_cause',
  },
  {
    group: 'edges /api/v1',
    path: '/api/v1/maintenances',
    auth: API_TOKEN,
    base: {
      title: 'Edge',
      components: ['api'],
      starts_at: '2030-01-01T00:00:00Z',
      ends_at: '2030-01-01T01:00:00Z',
    },
    field: 'title',
  },
  {
    group: 'edges /hooks',
    path: '/hooks/generic',
    auth: HOOK_TOKENS.generic,
    base: { title: 'Edge alert', service: 'api' },
    field: 'title',
  },
  {
    group: 'edges /hooks',
    path: '/hooks/alertmanager',
    auth: HOOK_TOKENS.alertmanager,
    base: { status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'Edge' } }] },
    field: 'receiver',
  },
  {
    group: 'edges /hooks',
    path: '/hooks/sns',
    auth: HOOK_TOKENS.sns,
    contentType: 'text/plain; charset=UTF-8',
    base: { Type: 'Notification', MessageId: 'm', TopicArn: 'arn:aws:sns:eu-west-1:123456789012:x' },
    field: 'Subject',
  },
  { group: 'edges subscribe', path: '/subscribe', base: { email: 'edge@example.com' }, field: 'email' },
];

it('NUL, lone surrogates and deep nesting in any field: 400 naming the problem, nothing changed', async () => {
  const poisons: ReadonlyArray<readonly [string, (field: string) => string, RegExp]> = [
    ['NUL', (f) => `${JSON.stringify(f)}:"a\\u0000b"`, /: contains a NUL character$/],
    ['lone surrogate', (f) => `${JSON.stringify(f)}:"a\\ud800b"`, /: contains a lone UTF-16 surrogate/],
    ['NUL in a key', () => `"k\\u0000":1`, /a key contains a NUL character$/],
    ['20,000 deep', (f) => `${JSON.stringify(f)}:${nested(20_000)}`, /JSON nested deeper than 32 levels$/],
    ['33 deep', (f) => `${JSON.stringify(f)}:${nested(32, false)}`, /JSON nested deeper than 32 levels$/],
  ];
  for (const target of POISON_TARGETS) {
    const base = JSON.stringify(target.base).slice(0, -1);
    const reqs = poisons.map(([, poison]) => ({
      group: target.group,
      method: 'POST',
      path: target.path,
      headers: {
        'content-type': target.contentType ?? 'application/json',
        ...(target.auth ? { authorization: `Bearer ${target.auth}` } : {}),
      },
      body: `${base},${poison(target.field)}}`,
    }));
    const answers = await probeBatch(reqs);
    answers.forEach((a, i) => {
      const [what, , message] = poisons[i]!;
      const got = { target: target.path, what, status: a.status, message: a.text };
      expect(got).toMatchObject({ status: 400 });
      expect((JSON.parse(a.text) as { error: { message: string } }).error.message).toMatch(message);
    });
  }
});

it('oversized bodies (413) and long header lists (431) on every route group, below 500', async () => {
  const routes = [
    ['edges /api/v1', '/api/v1/incidents', API_TOKEN],
    ['edges /hooks', '/hooks/generic', HOOK_TOKENS.generic],
    ['edges /hooks', '/hooks/alertmanager', HOOK_TOKENS.alertmanager],
    ['edges /hooks', '/hooks/sns', HOOK_TOKENS.sns],
    ['edges subscribe', '/subscribe', undefined],
    ['edges slack', '/slack/events', undefined],
  ] as const;
  for (const [group, path, token] of routes) {
    const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const huge = `{"title":"${'x'.repeat(2 * 1024 * 1024)}"}`;
    const [big] = await probeBatch([
      { group, method: 'POST', path, headers: { 'content-type': 'application/json', ...auth }, body: huge },
    ]);
    expect({ path, status: big!.status }).toEqual({ path, status: 413 });
    // 400 headers of 100 bytes: 40 KB, over Node's 16 KB limit on the request head.
    const many: Record<string, string> = { ...auth };
    for (let i = 0; i < 400; i++) many[`x-fuzz-${i}`] = 'v'.repeat(100);
    const [long] = await probeBatch([{ group, method: 'POST', path, headers: many, body: '{}' }]);
    expect({ path, status: long!.status }).toEqual({ path, status: 431 });
    // 100 short headers fit: the request is answered as usual (a 4xx for this empty body).
    const some: Record<string, string> = { ...auth, 'content-type': 'application/json' };
    for (let i = 0; i < 100; i++) some[`x-fuzz-${i}`] = 'v';
    const [fits] = await probeBatch([{ group, method: 'POST', path, headers: some, body: '{}' }]);
    expect(fits!.status).toBeLessThan(500);
  }
});

it('a signed Slack command holding a NUL is answered with ephemeral usage, and changes nothing', async () => {
  const ts = String(Math.floor(Date.now() / 1000));
  const body = form({
    command: '/incident',
    text: 'declare Checkout\u0000down',
    user_id: 'U0FUZZ001',
    team_id: 'T0TEAM',
    channel_id: 'C0GENERAL',
    response_url: 'http://127.0.0.1:1/response/x',
    trigger_id: 'trig-fuzz',
  });
  const before = await snapshot(h.t);
  const answer = await probe({
    group: 'edges slack',
    method: 'POST',
    path: '/slack/events',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': slackSignature(body, ts),
    },
    body,
  });
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.text)).toMatchObject({ response_type: 'ephemeral' });
  expect(answer.text).toContain('The command text contains a NUL character.');
  expect(await snapshot(h.t)).toBe(before);
});

it('sent at least 500 generated requests across every route group, none answered 5xx', () => {
  const summary = tally.summary();
  expect(Object.keys(summary)).toEqual(
    expect.arrayContaining([
      'api /api/v1',
      'status pages, feeds, /api/v2, health',
      'subscribe, unsubscribe',
      'ack links',
      'hooks /hooks/alertmanager',
      'hooks /hooks/generic',
      'hooks /hooks/sns',
      'slack /slack/events (signed)',
      'slack /slack/events (unsigned or badly signed)',
      'slack replay',
    ]),
  );
  expect(tally.total()).toBeGreaterThanOrEqual(500);
  // On failure the diff shows the figures by route group and status class.
  expect({ seed: SEED, total: tally.total(), fiveXx: tally.ofClass('5xx'), summary }).toEqual({
    seed: SEED,
    total: tally.total(),
    fiveXx: 0,
    summary,
  });
  // The rejections were real: every group saw 4xx answers.
  for (const [group, byClass] of Object.entries(summary)) {
    if (group !== 'slack replay')
      expect({ group, rejected: (byClass['4xx'] ?? 0) > 0 }).toEqual({ group, rejected: true });
  }
});
