import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AUDIENCES,
  CHANNELS,
  checkConfig,
  ConfigError,
  EVENT_KINDS,
  exampleConfigPath,
  loadConfig,
  parseConfigText,
  parseEnv,
  redactedConfig,
  redactedEnv,
  SEVERITIES,
  type EscalationTarget,
  type PersonChannel,
  type Rotation,
} from '../../src/config';
import { HeraldError } from '../../src/common/errors';

/** The problems a config text is rejected with (fails the test if it is accepted). */
function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfigText(text, env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected the configuration to be rejected');
}

function envProblems(env: NodeJS.ProcessEnv): string[] {
  try {
    parseEnv(env, '/srv/herald');
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected the environment to be rejected');
}

/** Every object and array reachable from `value` is frozen. */
function deeplyFrozen(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  return Object.isFrozen(value) && Object.values(value).every(deeplyFrozen);
}

function keysOf(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => keysOf(v, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      keysOf(v, out);
    }
  }
  return out;
}

const PEOPLE = `
people:
  - { id: alice, name: Alice, slack_user_id: U0ALICE01, email: alice@example.com, phone: "+15555550101" }
  - { id: bob, name: Bob, email: bob@example.com }
groups:
  - { id: payments, members: [alice, bob] }
`;

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-config-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

describe('the shipped herald.example.yml', () => {
  const file = exampleConfigPath();

  it('is found, valid on a machine with no environment, and has no warnings', () => {
    expect(file).toBe(path.resolve(__dirname, '../../herald.example.yml'));
    const result = checkConfig({ env: {}, cwd: tempDir() });
    expect(result).toMatchObject({ ok: true, warnings: [] });
    if (result.ok) expect(result.config.source).toBe(file);
  });

  it('is a meaningful demo: services with components, every audience, a 2-level policy, a console rule', () => {
    const { file: f } = parseConfigText(fs.readFileSync(file ?? '', 'utf8'), {});
    expect(f.services.map((s) => s.id)).toEqual(['api', 'checkout', 'website']);
    const components = f.statusPage.components.map((c) => c.id);
    for (const s of f.services) expect(components).toContain(s.component);
    expect(new Set(f.people.map((p) => p.audience))).toEqual(new Set(AUDIENCES));
    expect(f.people.filter((p) => p.audience === 'executive')).toHaveLength(1);
    expect(f.escalationPolicies.find((p) => p.id === 'default')?.levels).toHaveLength(2);
    const consoleRule = f.rules.find((r) => r.notify.channels.includes('console'));
    expect(consoleRule?.when).toEqual({ events: [...EVENT_KINDS] });
    expect(f.rules.find((r) => r.notify.channels.includes('statuspage'))?.notify.audiences).toEqual([
      'customer',
    ]);
  });

  it('comments every field it uses, at least once', () => {
    const lines = fs.readFileSync(file ?? '', 'utf8').split('\n');
    const keys = new Map<string, boolean>();
    lines.forEach((line, i) => {
      const key = /^[\s-]*([a-z_]+):/.exec(line)?.[1];
      if (key === undefined) return;
      const commented = line.includes('#') || (lines[i - 1] ?? '').trim().startsWith('#');
      keys.set(key, (keys.get(key) ?? false) || commented);
    });
    expect(keys.size).toBeGreaterThan(40);
    expect([...keys].filter(([, commented]) => !commented).map(([key]) => key)).toEqual([]);
  });
});

describe('path-precise errors', () => {
  it('names an unknown channel with its index and the allowed ones', () => {
    const text = `${PEOPLE}
rules:
  - { name: a, notify: { channels: [console] } }
  - { name: b, notify: { channels: [console] } }
  - { name: c, notify: { people: [alice], channels: [smss] } }
`;
    expect(problems(text)).toEqual([
      `rules[2].notify.channels[0]: unknown channel "smss" (expected one of: ${CHANNELS.join(', ')})`,
    ]);
  });

  it.each([
    [
      'bad HH:MM',
      'quiet_hours: { start: "25:00", end: "07:00" }',
      'people[1].quiet_hours.start: expected HH:MM, got "25:00"',
    ],
    [
      'unknown timezone',
      'timezone: Mars/Olympus',
      'people[1].timezone: unknown timezone "Mars/Olympus" (expected an IANA name like Europe/London)',
    ],
    ['unknown key', 'colour: blue', 'people[1].colour: unknown key'],
    [
      'sms without a phone',
      'contact_order: [email, sms]',
      'people[1].contact_order[1]: sms needs phone, but person "bob" has none',
    ],
    [
      'unknown audience',
      'audience: board',
      'people[1].audience: unknown audience "board" (expected one of: technical, business, customer, executive)',
    ],
    [
      'invalid phone',
      'phone: "555-0100"',
      'people[1].phone: expected an E.164 phone number like +15555550100, got "555-0100"',
    ],
  ])('%s', (_, extra, expected) => {
    const text = `people:\n  - { id: alice, name: Alice }\n  - id: bob\n    name: Bob\n    email: bob@example.com\n    ${extra}\n`;
    expect(problems(text)).toEqual([expected]);
  });

  it('reports a duplicate id at the duplicate, pointing at the first', () => {
    expect(
      problems(`${PEOPLE}  - { id: ops, members: [alice] }\n  - { id: payments, members: [bob] }\n`),
    ).toEqual(['groups[2].id: duplicate id "payments" (first at groups[0])']);
    expect(
      problems(
        'rules:\n  - { name: x, notify: { channels: [console] } }\n  - { name: x, notify: { channels: [console] } }',
      ),
    ).toEqual(['rules[1].name: duplicate name "x" (first at rules[0])']);
  });

  it('reports every dangling reference, each at its path', () => {
    const text = `${PEOPLE}
slack: { permissions: { declare: [everyone, U0BOSS001, payments, nobody] } }
services:
  - { id: checkout, owner: paymnts, component: cart, escalation_policy: urgent }
schedules:
  - id: primary
    layers: [{ name: w, members: [alice, zed], rotation: weekly, start: "2026-01-05" }]
    overrides: [{ person: yves, start: "2026-02-01T09:00:00Z", end: "2026-02-02T09:00:00Z" }]
escalation_policies:
  - id: default
    levels: [{ targets: [{ person: alice }, { group: infra }, { schedule: secondary }, { slack_channel: C0OPS } ] }]
rules:
  - name: r
    when: { services: [checkout, payments] }
    notify: { people: [carol], groups: [payments, infra], channels: [webhook], webhooks: [ops-bus] }
    escalation_policy: nightly
`;
    expect(problems(text)).toEqual([
      'slack.permissions.declare[3]: unknown group "nobody" (expected a group id, a Slack user ID, "everyone", "owners" or "oncall")',
      'services[0].owner: unknown group "paymnts"',
      'services[0].component: unknown status page component "cart"',
      'services[0].escalation_policy: unknown escalation policy "urgent"',
      'schedules[0].layers[0].members[1]: unknown person "zed"',
      'schedules[0].overrides[0].person: unknown person "yves"',
      'escalation_policies[0].levels[0].targets[1].group: unknown group "infra"',
      'escalation_policies[0].levels[0].targets[2].schedule: unknown schedule "secondary"',
      'rules[0].when.services[1]: unknown service "payments"',
      'rules[0].notify.people[0]: unknown person "carol"',
      'rules[0].notify.groups[1]: unknown group "infra"',
      'rules[0].notify.webhooks[0]: unknown webhook "ops-bus"',
      'rules[0].escalation_policy: unknown escalation policy "nightly"',
    ]);
    expect(problems('groups: [{ id: g, members: [ghost] }]')).toEqual([
      'groups[0].members[0]: unknown person "ghost"',
    ]);
  });

  it('reads ${NAME} from the environment, and names an unset one at its path', () => {
    const text = 'integrations: [{ id: prom, type: alertmanager, token: "${PROM_TOKEN}" }]';
    expect(problems(text)).toEqual(['integrations[0].token: environment variable PROM_TOKEN is not set']);
    expect(problems(text, { PROM_TOKEN: '' })).toEqual([
      'integrations[0].token: environment variable PROM_TOKEN is not set',
    ]);
    const token = 'a-long-enough-token-1234';
    expect(parseConfigText(text, { PROM_TOKEN: token }).file.integrations[0]?.token).toBe(token);
  });

  it('never echoes a secret, whether written in the file or read from the environment', () => {
    const text = `
webhooks: [{ id: hook, url: "https://hooks.example.com/x?key=SENTINEL1", secret: "\${HOOK_SECRET}" }]
integrations: [{ id: prom, type: generic, token: "SENTINEL2" }]
rules: [{ name: pd, notify: { channels: [pagerduty], pagerduty_routing_key: "SENTINEL3" } }]
`;
    const found = problems(text, { HOOK_SECRET: 'SENTINEL4-not-whsec' });
    expect(found).toEqual([
      'rules[0].notify.pagerduty_routing_key: invalid (expected a PagerDuty integration key; the value is not shown)',
      'webhooks[0].secret: invalid (expected "whsec_" followed by base64, at least 16 characters; the value is not shown)',
      'integrations[0].token: invalid (expected at least 16 characters; the value is not shown)',
    ]);
    const broken = 'webhooks: [{ id: hook, secret: "whsec_SENTINEL5\n';
    const yamlProblems = problems(broken);
    expect(yamlProblems.join('\n')).not.toMatch(/SENTINEL/);
  });

  it('gives YAML syntax errors with line and column', () => {
    expect(problems('people:\n  - id: alice\n    name: [Alice\nrules: []\n')).toEqual([
      'line 4, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    expect(problems('rules: []\nrules: []\n')).toEqual(['line 2, column 1: Map keys must be unique']);
  });

  it('checks shapes that a single field cannot', () => {
    const text = `${PEOPLE}
escalation_policies:
  - id: p
    levels: [{ delay_minutes: 5000, targets: [{ person: alice, group: payments }] }]
schedules:
  - id: s
    layers: [{ name: w, members: [alice], rotation: monthly, start: "2026-01-05" }]
    overrides: [{ person: bob, start: "2026-02-02T09:00:00Z", end: "2026-02-01T09:00:00Z" }]
rules:
  - { name: r, when: { severity_at_least: high, severity: [low] }, notify: { channels: [webhook] } }
`;
    expect(problems(text)).toEqual([
      'schedules[0].layers[0].rotation: expected daily, weekly or { hours: N } with N >= 1',
      'schedules[0].overrides[0].end: end must be after start',
      'escalation_policies[0].levels[0].delay_minutes: expected an integer from 0 to 1440, got 5000',
      'escalation_policies[0].levels[0].targets[0]: expected exactly one of: person, group, schedule, slack_channel',
      'rules[0].when: use either severity_at_least or severity, not both',
      'rules[0].notify.webhooks: required when channels include webhook (list webhook ids)',
    ]);
  });

  it('names what http.trust_proxy and the lane and subscribe limits accept', () => {
    expect(problems('http: { trust_proxy: [10.0.0.0/33, nowhere] }')).toEqual([
      'http.trust_proxy[0]: expected an IP address, a CIDR range (10.0.0.0/8) or loopback | linklocal | uniquelocal, got "10.0.0.0/33"',
      'http.trust_proxy[1]: expected an IP address, a CIDR range (10.0.0.0/8) or loopback | linklocal | uniquelocal, got "nowhere"',
    ]);
    expect(problems('http: { trust_proxy: "yes" }')).toEqual([
      'http.trust_proxy: expected false, true, a hop count (1..100) or a list of addresses/CIDRs',
    ]);
    expect(problems('delivery: { bulk_share: 1.5 }')[0]).toMatch(/^delivery\.bulk_share: /);
    expect(problems('status_page: { subscribe_limits: { per_client: 5 } }')).toEqual([
      'status_page.subscribe_limits.per_client: unknown key',
    ]);
    const { file } = parseConfigText('http: { trust_proxy: [loopback, "fd00::/8", 192.0.2.1] }', {});
    expect(file.http.trustProxy).toEqual(['loopback', 'fd00::/8', '192.0.2.1']);
  });

  it('reports type errors, missing fields and non-mappings plainly', () => {
    expect(problems('people: 5')).toEqual(['people: expected a list, got a number']);
    expect(problems('- a\n- b')).toEqual(['(root): expected a mapping, got a list']);
    expect(problems('services: [{ name: Checkout }]\ndelivery: { max_attempts: 0 }')).toEqual([
      'services[0].id: required',
      'delivery.max_attempts: expected an integer from 1 to 20, got 0',
    ]);
  });

  it('throws a coded HeraldError listing every problem', () => {
    const err = (() => {
      try {
        parseConfigText('organization: { nom: x }\nservices: [{ id: Bad }]', {}, 'herald.yml');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(HeraldError);
    expect(err).toMatchObject({ code: 'Config' });
    expect((err as Error).message).toBe(
      'invalid configuration in herald.yml:\n  - organization.nom: unknown key\n' +
        '  - services[0].id: expected a lowercase id (a-z, 0-9, dashes; up to 64), got "Bad"',
    );
  });
});

describe('parsed file', () => {
  it('fills defaults for an empty file', () => {
    const { file } = parseConfigText('', {});
    expect(file).toEqual({
      organization: { name: 'Herald' },
      slack: {
        permissions: {
          declare: ['everyone'],
          update: ['everyone'],
          acknowledge: ['everyone'],
          resolve: ['everyone'],
          escalate: ['everyone'],
          override: ['owners', 'oncall'],
          maintenance: ['owners', 'oncall'],
          publish: ['owners', 'oncall'],
        },
      },
      services: [],
      people: [],
      groups: [],
      schedules: [],
      escalationPolicies: [],
      rules: [],
      webhooks: [],
      integrations: [],
      http: { trustProxy: false },
      statusPage: {
        title: 'Herald',
        components: [],
        autoPublish: [],
        subscribeLimits: { perClientPerMinute: 10, globalPerMinute: 300, confirmationsPerAddressPerDay: 3 },
      },
      delivery: { maxAttempts: 5, sesRatePerSecond: 14, claimTimeoutSeconds: 60, bulkShare: 0.2 },
      authThrottle: { maxFailures: 20, windowSeconds: 60 },
      ingest: {
        flapWindowMinutes: 10,
        storm: { newAlertsPerMinute: 100, updateIntervalSeconds: 60 },
        maxInFlight: 64,
        maxPoolWaiting: 32,
        retryAfterSeconds: 1,
      },
    });
  });

  it('takes an SNS topics allowlist on sns integrations only, each entry a topic ARN', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:alarms';
    const sns = `integrations: [{ id: i, type: sns, token: "0123456789abcdef", topics: ["${arn}"] }]`;
    expect(parseConfigText(sns, {}).file.integrations[0]?.topics).toEqual([arn]);
    expect(problems(sns.replace('type: sns', 'type: generic'))).toEqual([
      'integrations[0].topics: only sns integrations take topics',
    ]);
    expect(problems(sns.replace(arn, 'alarms'))).toEqual([
      'integrations[0].topics[0]: expected an SNS topic ARN like arn:aws:sns:eu-west-1:123456789012:alarms, got "alarms"',
    ]);
    expect(problems(sns.replace(`["${arn}"]`, '[]'))).toHaveLength(1);
  });

  it('fills defaults inside entries and derives contact order from the data a person has', () => {
    const { file } = parseConfigText(
      `${PEOPLE}
services: [{ id: api }]
schedules:
  - id: s
    layers: [{ name: w, members: [alice], rotation: { hours: 12 }, start: "2026-01-05" }]
    overrides: [{ person: bob, start: "2026-02-01T10:00:00+01:00", end: "2026-02-01T12:00:00Z" }]
escalation_policies: [{ id: p, levels: [{ targets: [{ person: bob }] }] }]
webhooks: [{ id: w, url: "https://example.com/hook", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }]
integrations: [{ id: i, type: sns, token: "0123456789abcdef" }]
rules: [{ name: r, notify: { groups: [payments], channels: [slack, webhook], webhooks: [w] } }]
`,
      {},
    );
    expect(file.people.map((p) => [p.contactOrder, p.timezone, p.audience])).toEqual([
      [['slack', 'sms', 'email'], 'UTC', 'technical'],
      [['email'], 'UTC', 'technical'],
    ]);
    // The exported types are usable as such (this would fail to typecheck otherwise).
    const order: readonly PersonChannel[] | undefined = file.people[0]?.contactOrder;
    const rotation: Rotation | undefined = file.schedules[0]?.layers[0]?.rotation;
    const target: EscalationTarget | undefined = file.escalationPolicies[0]?.levels[0]?.targets[0];
    expect([order?.includes('sns_sms'), rotation, target && 'person' in target]).toEqual([
      false,
      { hours: 12 },
      true,
    ]);
    expect(file.services[0]).toEqual({ id: 'api', name: 'api' });
    expect(file.groups[0]?.name).toBe('payments');
    expect(file.schedules[0]?.layers[0]).toMatchObject({ handoff: '00:00', rotation: { hours: 12 } });
    expect(file.schedules[0]?.overrides[0]).toEqual({
      person: 'bob',
      start: '2026-02-01T09:00:00.000Z',
      end: '2026-02-01T12:00:00.000Z',
    });
    expect(file.escalationPolicies[0]).toEqual({
      id: 'p',
      name: 'p',
      repeat: 0,
      levels: [{ delayMinutes: 0, targets: [{ person: 'bob' }] }],
    });
    expect(file.webhooks[0]?.timeoutMs).toBe(10000);
    expect(file.integrations[0]).toMatchObject({
      defaultSeverity: 'high',
      severityLabel: 'severity',
      serviceLabel: 'service',
      autoResolve: true,
    });
    expect(file.rules[0]?.when).toEqual({ events: [...EVENT_KINDS] });
    expect(file.rules[0]?.notify).toMatchObject({ audiences: [], people: [] });
  });

  it('uses camelCase keys only, and is deeply frozen', () => {
    const config = loadConfig({ env: {}, cwd: tempDir() });
    expect(keysOf(config.file).filter((k) => k.includes('_'))).toEqual([]);
    expect(keysOf(config.file)).toEqual(
      expect.arrayContaining([
        'slackUserId',
        'quietHours',
        'contactOrder',
        'delayMinutes',
        'severityAtLeast',
        'escalationPolicies',
        'statusPage',
      ]),
    );
    expect(deeplyFrozen(config)).toBe(true);
    expect(Reflect.set(config.file.people, 0, null)).toBe(false);
  });

  it('lets SLACK_INCIDENTS_CHANNEL override the file', () => {
    const text = 'slack: { incidents_channel: C0FILE001 }';
    expect(parseConfigText(text, {}).file.slack.incidentsChannel).toBe('C0FILE001');
    expect(parseConfigText(text, { SLACK_INCIDENTS_CHANNEL: 'C0ENV0001' }).file.slack.incidentsChannel).toBe(
      'C0ENV0001',
    );
  });

  it('exports the vocabularies, most severe first', () => {
    expect(SEVERITIES).toEqual(['critical', 'high', 'medium', 'low', 'info']);
    expect(CHANNELS).toEqual(
      expect.arrayContaining([
        'slack',
        'email',
        'sms',
        'sns',
        'pagerduty',
        'webhook',
        'statuspage',
        'console',
        'slack_channel',
      ]),
    );
  });
});

describe('parseEnv', () => {
  it('applies the documented defaults', () => {
    expect(parseEnv({}, '/srv/herald')).toEqual({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: '/srv/herald/.herald',
      configFile: undefined,
      publicUrl: 'http://localhost:3000',
      apiToken: undefined,
      workerConcurrency: 32,
      dbPoolSize: 40,
      slack: {
        botToken: undefined,
        signingSecret: undefined,
        appToken: undefined,
        apiUrl: 'https://slack.com/api/',
        incidentsChannel: undefined,
      },
      aws: {
        region: undefined,
        sesFrom: undefined,
        snsTopicArn: undefined,
        endpointSes: undefined,
        endpointSns: undefined,
      },
      twilio: {
        accountSid: undefined,
        authToken: undefined,
        from: undefined,
        apiUrl: 'https://api.twilio.com',
      },
      pagerduty: { routingKey: undefined, eventsUrl: 'https://events.pagerduty.com/v2/enqueue' },
      logLevel: 'info',
    });
  });

  it('reads every variable, treats empty ones as unset, and normalises URLs and paths', () => {
    const env = parseEnv(
      {
        PORT: '8080',
        HOST: '0.0.0.0',
        HERALD_DATA_DIR: 'var/data',
        HERALD_CONFIG: 'conf/herald.yml',
        HERALD_PUBLIC_URL: 'https://herald.example.com/',
        HERALD_API_TOKEN: '',
        SLACK_API_URL: 'http://127.0.0.1:9999/api',
        SLACK_INCIDENTS_CHANNEL: 'C0INC0001',
        AWS_REGION: 'eu-west-1',
        SES_FROM: 'Herald <herald@example.com>',
        SNS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:000000000000:herald',
        TWILIO_API_URL: 'http://127.0.0.1:9998/',
        LOG_LEVEL: 'debug',
      },
      '/srv/herald',
    );
    expect(env).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/srv/herald/var/data',
      configFile: '/srv/herald/conf/herald.yml',
      publicUrl: 'https://herald.example.com',
      apiToken: undefined,
      slack: { apiUrl: 'http://127.0.0.1:9999/api/', incidentsChannel: 'C0INC0001' },
      aws: { region: 'eu-west-1', sesFrom: 'Herald <herald@example.com>' },
      twilio: { apiUrl: 'http://127.0.0.1:9998' },
      logLevel: 'debug',
    });
    expect(parseEnv({ PORT: '4000' }).publicUrl).toBe('http://localhost:4000');
    expect(path.isAbsolute(parseEnv({}).dataDir)).toBe(true);
    expect(deeplyFrozen(env)).toBe(true);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT: expected an integer from 0 to 65535 (0 = any free port)'],
    [{ PORT: '70000' }, 'PORT: expected an integer from 0 to 65535 (0 = any free port)'],
    [{ PORT: '-1' }, 'PORT: expected an integer from 0 to 65535 (0 = any free port)'],
    [{ HERALD_PUBLIC_URL: 'herald.example.com' }, 'HERALD_PUBLIC_URL: expected an http(s) URL'],
    [{ SLACK_API_URL: 'ftp://slack.com/api/' }, 'SLACK_API_URL: expected an http(s) URL'],
    [{ PAGERDUTY_EVENTS_URL: 'nope' }, 'PAGERDUTY_EVENTS_URL: expected an http(s) URL'],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL: unknown level "loud" (expected one of: fatal, error, warn, info, debug, trace, silent)',
    ],
    [
      { SLACK_INCIDENTS_CHANNEL: '#incidents' },
      'SLACK_INCIDENTS_CHANNEL: expected a Slack channel ID like C0123456789, got "#incidents"',
    ],
    [
      { DATABASE_URL: 'mysql://u:SENTINEL@db/x' },
      'DATABASE_URL: expected a postgres:// or postgresql:// URL (the value is not shown)',
    ],
  ])('rejects %j', (env, expected) => {
    expect(envProblems(env)).toEqual([expected]);
  });

  it('refuses a HERALD_API_TOKEN shorter than 24 characters, naming the variable and the minimum, not the value', () => {
    const problems = envProblems({ HERALD_API_TOKEN: 'SENTINEL-23-characters!' });
    expect(problems).toEqual([
      'HERALD_API_TOKEN: too short: use at least 24 characters (the value is not shown); e.g. openssl rand -hex 24',
    ]);
    expect(problems.join()).not.toContain('SENTINEL');
    expect(parseEnv({ HERALD_API_TOKEN: 'x'.repeat(24) }).apiToken).toBe('x'.repeat(24));
  });

  it('reports every bad variable at once', () => {
    expect(envProblems({ PORT: 'x', LOG_LEVEL: 'loud', TWILIO_API_URL: 'twilio' })).toHaveLength(3);
  });
});

describe('redaction', () => {
  const secrets = {
    DATABASE_URL: 'postgres://herald:SENTINEL-pw@db.example.com:5432/herald?sslmode=require',
    HERALD_API_TOKEN: 'SENTINEL-api-0123456789abcdef',
    SLACK_BOT_TOKEN: 'xoxb-SENTINEL',
    SLACK_SIGNING_SECRET: 'SENTINEL-signing',
    SLACK_APP_TOKEN: 'xapp-SENTINEL',
    TWILIO_ACCOUNT_SID: 'AC123',
    TWILIO_AUTH_TOKEN: 'SENTINEL-twilio',
    PAGERDUTY_ROUTING_KEY: 'SENTINEL-pd',
  };

  it('redactedEnv hides every secret and keeps the rest', () => {
    const env = parseEnv(secrets);
    const safe = redactedEnv(env);
    expect(JSON.stringify(safe)).not.toMatch(/SENTINEL/);
    expect(safe).toMatchObject({
      databaseUrl: 'postgres://herald:[redacted]@db.example.com:5432/herald?sslmode=require',
      apiToken: '[redacted]',
      slack: { botToken: '[redacted]', signingSecret: '[redacted]', appToken: '[redacted]' },
      twilio: { accountSid: 'AC123', authToken: '[redacted]' },
      pagerduty: { routingKey: '[redacted]' },
    });
    expect(env.slack.botToken).toBe('xoxb-SENTINEL');
    expect(redactedEnv(parseEnv({ DATABASE_URL: 'postgresql://h@db/x?password=SENTINEL' })).databaseUrl).toBe(
      'postgresql://h@db/x?password=[redacted]',
    );
    expect(redactedEnv(parseEnv({})).apiToken).toBeUndefined();
  });

  it('redactedConfig also hides secrets from the file', () => {
    const text = `
webhooks: [{ id: w, url: "https://example.com/h", secret: "whsec_SENTINELSENTINELSENTINEL" }]
integrations: [{ id: i, type: generic, token: "SENTINEL-integration-token" }]
rules: [{ name: r, notify: { channels: [pagerduty], pagerduty_routing_key: "SENTINEL0123456789abcdef" } }]
`;
    const config = parseConfigText(text, secrets);
    expect(JSON.stringify(redactedConfig(config))).not.toMatch(/SENTINEL/);
    expect(config.file.webhooks[0]?.secret).toBe('whsec_SENTINELSENTINELSENTINEL');
  });
});

describe('choosing the file', () => {
  const valid = 'organization: { name: From file }\n';

  it('prefers the explicit file, then HERALD_CONFIG, then ./herald.yml, then the example', () => {
    const cwd = tempDir();
    fs.writeFileSync(path.join(cwd, 'herald.yml'), valid);
    fs.writeFileSync(path.join(cwd, 'other.yml'), 'organization: { name: Other }\n');
    fs.writeFileSync(path.join(cwd, 'explicit.yml'), 'organization: { name: Explicit }\n');
    const name = (opts: Parameters<typeof loadConfig>[0]) => loadConfig(opts).file.organization.name;
    expect(name({ env: {}, cwd })).toBe('From file');
    expect(name({ env: { HERALD_CONFIG: 'other.yml' }, cwd })).toBe('Other');
    expect(name({ env: { HERALD_CONFIG: 'other.yml' }, cwd, file: 'explicit.yml' })).toBe('Explicit');
    expect(loadConfig({ env: {}, cwd }).source).toBe(path.join(cwd, 'herald.yml'));
    expect(loadConfig({ env: {}, cwd: tempDir() }).source).toBe(exampleConfigPath());
  });

  it('refuses a named file that does not exist', () => {
    const cwd = tempDir();
    for (const opts of [
      { env: {}, cwd, file: 'missing.yml' },
      { env: { HERALD_CONFIG: 'missing.yml' }, cwd },
    ]) {
      expect(() => loadConfig(opts)).toThrow(
        `invalid configuration in ${path.join(cwd, 'missing.yml')}:\n  - file not found`,
      );
      expect(checkConfig(opts)).toEqual({
        ok: false,
        problems: ['file not found'],
        source: path.join(cwd, 'missing.yml'),
      });
    }
  });

  it('warns when anyone may publish, and reserves the permission keywords as group ids', () => {
    const cwd = tempDir();
    fs.writeFileSync(path.join(cwd, 'herald.yml'), 'slack: { permissions: { publish: [everyone] } }');
    expect(checkConfig({ env: {}, cwd })).toMatchObject({
      ok: true,
      warnings: [expect.stringMatching(/^slack\.permissions\.publish: everyone may put incidents/)],
    });
    expect(problems('people: [{ id: ann, name: Ann }]\ngroups: [{ id: oncall, members: [ann] }]')).toEqual([
      'groups[0].id: "oncall" is reserved in slack.permissions; choose another id',
    ]);
    expect(problems('status_page: { auto_publish: [critical, urgent] }')).toEqual([
      expect.stringContaining('status_page.auto_publish[1]'),
    ]);
  });

  it('checkConfig reports problems and warnings instead of throwing', () => {
    const cwd = tempDir();
    fs.writeFileSync(path.join(cwd, 'herald.yml'), 'services: [{ id: api, owner: ghosts }]');
    expect(checkConfig({ env: {}, cwd })).toMatchObject({
      ok: false,
      problems: ['services[0].owner: unknown group "ghosts"'],
    });
    expect(checkConfig({ env: { PORT: 'x' }, cwd })).toMatchObject({ ok: false, source: 'environment' });
    fs.writeFileSync(
      path.join(cwd, 'herald.yml'),
      'people: [{ id: ann, name: Ann, digest_at: "08:00" }]\nrules: [{ name: r, notify: { channels: [slack, pagerduty] } }]',
    );
    expect(checkConfig({ env: {}, cwd })).toMatchObject({
      ok: true,
      warnings: [
        'rules[0].notify: channels slack reach people, but the rule names no audiences, people, groups or escalation_policy',
        'rules[0].notify.channels: pagerduty has no routing key (set pagerduty_routing_key or PAGERDUTY_ROUTING_KEY); its deliveries will be skipped',
        'people[0]: "ann" has no slack_user_id, email or phone, so no channel can reach them',
        'people[0].digest_at: ignored, the daily digest is for executives (audience is technical)',
      ],
    });
  });
});
