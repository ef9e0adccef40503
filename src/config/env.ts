import path from 'node:path';
import { z } from 'zod';
import { HeraldError } from '../common/errors';
import { isHttpUrl, shown } from './fields';

/**
 * Invalid or unreadable configuration. Thrown once, at start-up, with every problem found rather
 * than the first, so an operator fixes the file in one pass. Each problem is `path: message` and
 * never contains a secret value.
 */
export class ConfigError extends HeraldError {
  readonly problems: readonly string[];

  constructor(
    /** What was being read: a file path, or "environment". */
    readonly source: string,
    problems: readonly string[],
  ) {
    super('Config', `invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      source,
      problems,
    });
    this.problems = Object.freeze([...problems]);
  }
}

/** Process settings from the environment (names as in CONTRACT.md), camelCase and frozen. */
export interface EnvConfig {
  readonly port: number;
  readonly host: string;
  /** Unset: Herald starts its embedded PostgreSQL under `dataDir`. */
  readonly databaseUrl?: string;
  /** Absolute. */
  readonly dataDir: string;
  /** Absolute when set. */
  readonly configFile?: string;
  /** Base of links Herald sends out; never ends with a slash. */
  readonly publicUrl: string;
  /** Unset: `/api/v1` and the internal status page refuse every request. */
  readonly apiToken?: string;
  /**
   * Bearer token for `/metrics` on the public listener (HERALD_METRICS_TOKEN); unset: the API
   * token. A scraper gets its own token so it never holds one that can change incidents.
   */
  readonly metricsToken?: string;
  /**
   * Port of the optional admin listener (HERALD_ADMIN_PORT), always bound to 127.0.0.1: `/metrics`
   * without a token and `/readyz` with its reason, for a sidecar or node-local scraper. 0 = any free port.
   */
  readonly adminPort?: number;
  /** Jobs one worker process runs at once (HERALD_WORKER_CONCURRENCY, default 32). */
  readonly workerConcurrency: number;
  /** Database connections per process (HERALD_DB_POOL_SIZE, default concurrency + 8). */
  readonly dbPoolSize: number;
  readonly slack: {
    readonly botToken?: string;
    readonly signingSecret?: string;
    readonly appToken?: string;
    /** Always ends with a slash, as Slack's WebClient expects. */
    readonly apiUrl: string;
    readonly incidentsChannel?: string;
  };
  readonly aws: {
    readonly region?: string;
    readonly sesFrom?: string;
    readonly snsTopicArn?: string;
    readonly endpointSes?: string;
    readonly endpointSns?: string;
  };
  readonly twilio: {
    readonly accountSid?: string;
    readonly authToken?: string;
    readonly from?: string;
    readonly apiUrl: string;
  };
  readonly pagerduty: { readonly routingKey?: string; readonly eventsUrl: string };
  readonly logLevel: string;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const str = z.string().optional();

/**
 * Shortest HERALD_API_TOKEN accepted: the token guards every API write and the internal status
 * page, and a short one can be guessed (failed attempts are only throttled per address).
 */
export const MIN_API_TOKEN_LENGTH = 24;
const url = (expected = 'an http(s) URL') =>
  z
    .string()
    .refine(isHttpUrl, { error: `expected ${expected}` })
    .optional();
const pattern = (re: RegExp, expected: string) =>
  z
    .string()
    .regex(re, { error: (iss) => `expected ${expected}, got ${shown(iss.input)}` })
    .optional();

function isPostgresUrl(value: string): boolean {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

const intIn = (min: number, max: number) =>
  z
    .string()
    .refine((v) => /^\d{1,4}$/.test(v) && Number(v) >= min && Number(v) <= max, {
      error: `expected an integer from ${min} to ${max}`,
    })
    .transform(Number)
    .optional();

// Messages never echo values that may be secret (tokens, URLs with credentials).
const portNumber = () =>
  z
    .string()
    .refine((v) => /^\d{1,5}$/.test(v) && Number(v) >= 0 && Number(v) <= 65535, {
      error: 'expected an integer from 0 to 65535 (0 = any free port)',
    })
    .transform(Number)
    .optional();

const envSchema = z.object({
  PORT: portNumber(),
  HOST: str,
  HERALD_WORKER_CONCURRENCY: intIn(1, 512),
  HERALD_DB_POOL_SIZE: intIn(2, 1000),
  DATABASE_URL: z
    .string()
    .refine(isPostgresUrl, { error: 'expected a postgres:// or postgresql:// URL (the value is not shown)' })
    .optional(),
  HERALD_DATA_DIR: str,
  HERALD_CONFIG: str,
  HERALD_PUBLIC_URL: url(),
  HERALD_API_TOKEN: z
    .string()
    .min(MIN_API_TOKEN_LENGTH, {
      error: `too short: use at least ${MIN_API_TOKEN_LENGTH} characters (the value is not shown); e.g. openssl rand -hex 24`,
    })
    .optional(),
  HERALD_METRICS_TOKEN: str,
  HERALD_ADMIN_PORT: portNumber(),
  SLACK_BOT_TOKEN: str,
  SLACK_SIGNING_SECRET: str,
  SLACK_APP_TOKEN: str,
  SLACK_API_URL: url(),
  SLACK_INCIDENTS_CHANNEL: pattern(/^[CGD][A-Z0-9]+$/, 'a Slack channel ID like C0123456789'),
  AWS_REGION: str,
  AWS_ENDPOINT_URL_SES: url(),
  AWS_ENDPOINT_URL_SNS: url(),
  SES_FROM: pattern(
    /^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/,
    'an email address or "Name <address>"',
  ),
  SNS_TOPIC_ARN: pattern(/^arn:[a-z-]+:sns:[a-z0-9-]+:\d+:[A-Za-z0-9_.-]+$/, 'an SNS topic ARN'),
  TWILIO_ACCOUNT_SID: str,
  TWILIO_AUTH_TOKEN: str,
  TWILIO_FROM: str,
  TWILIO_API_URL: url(),
  PAGERDUTY_ROUTING_KEY: str,
  PAGERDUTY_EVENTS_URL: url(),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, {
      error: (iss) => `unknown level ${shown(iss.input)} (expected one of: ${LOG_LEVELS.join(', ')})`,
    })
    .optional(),
});

const trimEnd = (value: string, char: string): string => {
  let end = value.length;
  while (end > 0 && value[end - 1] === char) end -= 1;
  return value.slice(0, end);
};

/**
 * Reads Herald's settings from `env`. Empty strings count as unset (a blank line in a `.env`
 * file should not switch a channel on). Throws {@link ConfigError} listing every bad variable.
 * `cwd` is what relative paths (HERALD_DATA_DIR, HERALD_CONFIG) are resolved against.
 */
export function parseEnv(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): EnvConfig {
  const present = Object.fromEntries(
    Object.keys(envSchema.shape).flatMap((name) => {
      const value = env[name]?.trim();
      return value === undefined || value === '' ? [] : [[name, value]];
    }),
  );
  const result = envSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      'environment',
      result.error.issues.map((issue) => `${String(issue.path[0] ?? '(environment)')}: ${issue.message}`),
    );
  }
  const e = result.data;
  const port = e.PORT ?? 3000;
  const config: EnvConfig = {
    port,
    host: e.HOST ?? '127.0.0.1',
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(cwd, e.HERALD_DATA_DIR ?? '.herald'),
    configFile: e.HERALD_CONFIG === undefined ? undefined : path.resolve(cwd, e.HERALD_CONFIG),
    publicUrl: trimEnd(e.HERALD_PUBLIC_URL ?? `http://localhost:${port}`, '/'),
    apiToken: e.HERALD_API_TOKEN,
    metricsToken: e.HERALD_METRICS_TOKEN,
    adminPort: e.HERALD_ADMIN_PORT,
    workerConcurrency: e.HERALD_WORKER_CONCURRENCY ?? 32,
    dbPoolSize: e.HERALD_DB_POOL_SIZE ?? (e.HERALD_WORKER_CONCURRENCY ?? 32) + 8,
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: `${trimEnd(e.SLACK_API_URL ?? 'https://slack.com/api/', '/')}/`,
      incidentsChannel: e.SLACK_INCIDENTS_CHANNEL,
    },
    aws: {
      region: e.AWS_REGION,
      sesFrom: e.SES_FROM,
      snsTopicArn: e.SNS_TOPIC_ARN,
      endpointSes: e.AWS_ENDPOINT_URL_SES,
      endpointSns: e.AWS_ENDPOINT_URL_SNS,
    },
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN,
      from: e.TWILIO_FROM,
      apiUrl: trimEnd(e.TWILIO_API_URL ?? 'https://api.twilio.com', '/'),
    },
    pagerduty: {
      routingKey: e.PAGERDUTY_ROUTING_KEY,
      eventsUrl: e.PAGERDUTY_EVENTS_URL ?? 'https://events.pagerduty.com/v2/enqueue',
    },
    logLevel: e.LOG_LEVEL ?? 'info',
  };
  return deepFreeze(config);
}

export const REDACTED = '[redacted]';

/** DATABASE_URL with its password (in the authority or a `password=` parameter) replaced. */
function redactUrl(value: string): string {
  const url = new URL(value);
  const placeholder = 'HERALDREDACTEDPASSWORD';
  if (url.password !== '') url.password = placeholder;
  if (url.searchParams.has('password')) url.searchParams.set('password', placeholder);
  return url.toString().replaceAll(placeholder, REDACTED);
}

const hide = (value: string | undefined): string | undefined => (value === undefined ? undefined : REDACTED);

/**
 * A copy of `env` safe to log or print (`herald config check`): every token, secret and password
 * is replaced by "[redacted]"; unset ones stay unset so the output still shows what is configured.
 */
export function redactedEnv(env: EnvConfig): EnvConfig {
  return deepFreeze({
    ...env,
    databaseUrl: env.databaseUrl === undefined ? undefined : redactUrl(env.databaseUrl),
    apiToken: hide(env.apiToken),
    metricsToken: hide(env.metricsToken),
    slack: {
      ...env.slack,
      botToken: hide(env.slack.botToken),
      signingSecret: hide(env.slack.signingSecret),
      appToken: hide(env.slack.appToken),
    },
    aws: { ...env.aws },
    twilio: { ...env.twilio, authToken: hide(env.twilio.authToken) },
    pagerduty: { ...env.pagerduty, routingKey: hide(env.pagerduty.routingKey) },
  });
}

/** Freezes `value` and everything reachable from it; configuration never changes after start. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
