import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError, deepFreeze, parseEnv, REDACTED, redactedEnv, type EnvConfig } from './env';
import { formatIssue, formatPath, genericMessage } from './issues';
import { checkReferences } from './refs';
import { fileSchema, type HeraldFile } from './schema';

export { ConfigError };

/** Everything Herald is configured with, read once at start-up and frozen. */
export interface HeraldConfig {
  readonly env: EnvConfig;
  readonly file: HeraldFile;
  /** The file that was read (absolute), or the name given to {@link parseConfigText}. */
  readonly source: string;
}

export interface LoadOptions {
  /** Defaults to `process.env`. Also the source of `${NAME}` references in the file. */
  env?: NodeJS.ProcessEnv;
  /** What relative paths and `./herald.yml` are resolved against; defaults to `process.cwd()`. */
  cwd?: string;
  /** An explicit file; wins over HERALD_CONFIG. Must exist. */
  file?: string;
}

export type CheckResult =
  { ok: true; config: HeraldConfig; warnings: string[] } | { ok: false; problems: string[]; source: string };

/** A whole-value `${NAME}` reference to an environment variable. */
const ENV_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * Replaces `${NAME}` string values with the variable's value, so secrets can stay out of the
 * file. Returns the paths whose variable is unset, each reported once (not again by zod).
 */
function substitute(
  value: unknown,
  env: NodeJS.ProcessEnv,
  at: PropertyKey[],
  unset: Map<string, string>,
): unknown {
  if (typeof value === 'string') {
    const name = ENV_REF.exec(value)?.[1];
    if (name === undefined) return value;
    const resolved = env[name];
    if (resolved === undefined || resolved === '') {
      unset.set(formatPath(at), name);
      return undefined;
    }
    return resolved;
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, env, [...at, i], unset));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substitute(v, env, [...at, k], unset)]),
    );
  }
  return value;
}

const camelKey = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Renames object keys snake_case → camelCase, deeply; values (e.g. `sns_sms`) stay as written. */
function camelize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelize);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [camelKey(k), camelize(v)]));
  }
  return value;
}

/** A YAML syntax error as `line L, column C: message`, without the source excerpt (it may hold a secret). */
function yamlProblem(error: YAML.YAMLError): string {
  const first = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
  const pos = error.linePos?.[0];
  return pos === undefined ? first : `line ${pos.line}, column ${pos.col}: ${first}`;
}

interface Parsed {
  config: HeraldConfig;
  warnings: string[];
}

function parseWithEnv(text: string, rawEnv: NodeJS.ProcessEnv, env: EnvConfig, source: string): Parsed {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(source, doc.errors.map(yamlProblem));
  const warnings = doc.warnings.map((w) => `${yamlProblem(w)} (YAML warning)`);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  } catch (err) {
    throw new ConfigError(source, [`(root): ${err instanceof Error ? err.message : String(err)}`]);
  }

  const unset = new Map<string, string>();
  const substituted = substitute(data, rawEnv, [], unset);
  const problems = [...unset].map(([at, name]) => `${at}: environment variable ${name} is not set`);
  const result = fileSchema.safeParse(substituted, { error: genericMessage });
  if (!result.success) {
    const covered = (line: string): boolean =>
      [...unset.keys()].some(
        (at) => line.startsWith(`${at}:`) || line.startsWith(`${at}.`) || line.startsWith(`${at}[`),
      );
    problems.push(...result.error.issues.flatMap(formatIssue).filter((line) => !covered(line)));
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(source, problems);

  const refs = checkReferences(result.data, { pagerdutyKeyInEnv: env.pagerduty.routingKey !== undefined });
  if (refs.problems.length > 0) throw new ConfigError(source, refs.problems);

  const file = camelize(result.data) as HeraldFile;
  const effective: HeraldFile = {
    ...file,
    slack: { ...file.slack, incidentsChannel: env.slack.incidentsChannel ?? file.slack.incidentsChannel },
  };
  return { config: deepFreeze({ env, file: effective, source }), warnings: [...warnings, ...refs.warnings] };
}

/**
 * Validates configuration given as text, with no file system access: what tests and
 * `herald config check -` use. Throws {@link ConfigError} listing every problem.
 */
export function parseConfigText(
  text: string,
  env: NodeJS.ProcessEnv = process.env,
  sourceName = '(text)',
): HeraldConfig {
  return parseWithEnv(text, env, parseEnv(env), sourceName).config;
}

/** The shipped example, found from src/config (ts-node, jest) or dist/src/config (built). */
export function exampleConfigPath(): string | undefined {
  return ['../../herald.example.yml', '../../../herald.example.yml']
    .map((rel) => path.resolve(__dirname, rel))
    .find((candidate) => fs.existsSync(candidate));
}

/** Which file to read: explicit option, HERALD_CONFIG, ./herald.yml, then the shipped example. */
function chooseFile(opts: LoadOptions, env: EnvConfig, cwd: string): string {
  if (opts.file !== undefined) return path.resolve(cwd, opts.file);
  if (env.configFile !== undefined) return env.configFile;
  const local = path.resolve(cwd, 'herald.yml');
  if (fs.existsSync(local)) return local;
  const example = exampleConfigPath();
  if (example === undefined)
    throw new ConfigError(local, ['file not found, and the shipped herald.example.yml is missing']);
  return example;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(file, [
      code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? 'unknown error'})`,
    ]);
  }
}

function load(opts: LoadOptions): Parsed {
  const rawEnv = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const env = parseEnv(rawEnv, cwd);
  const file = chooseFile(opts, env, cwd);
  return parseWithEnv(readText(file), rawEnv, env, file);
}

/**
 * Reads the environment and the configuration file once, at start-up, and fails fast: throws
 * {@link ConfigError} with every problem found, each as `path: message`.
 */
export function loadConfig(opts: LoadOptions = {}): HeraldConfig {
  return load(opts).config;
}

/**
 * Like {@link loadConfig} but reports instead of throwing, and also returns warnings (valid but
 * probably unintended settings): for `herald config check` and start-up logging. Errors other
 * than configuration errors (bugs) still throw.
 */
export function checkConfig(opts: LoadOptions = {}): CheckResult {
  try {
    const { config, warnings } = load(opts);
    return { ok: true, config, warnings };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, problems: [...err.problems], source: err.source };
    throw err;
  }
}

/** A copy of `config` safe to log or print: env secrets, webhook secrets, integration tokens and rule routing keys hidden. */
export function redactedConfig(config: HeraldConfig): HeraldConfig {
  const hide = <T extends string | undefined>(v: T): T | string => (v === undefined ? v : REDACTED);
  const { file } = config;
  return deepFreeze({
    env: redactedEnv(config.env),
    source: config.source,
    file: {
      ...file,
      webhooks: file.webhooks.map((w) => ({ ...w, secret: hide(w.secret) })),
      integrations: file.integrations.map((i) => ({ ...i, token: REDACTED })),
      rules: file.rules.map((r) => ({
        ...r,
        notify: { ...r.notify, pagerdutyRoutingKey: hide(r.notify.pagerdutyRoutingKey) },
      })),
    },
  });
}
