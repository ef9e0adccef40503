import { Counter } from 'prom-client';
import type { HeraldFile, Integration, IntegrationType, Severity } from '../config';
import type { ActionDeps } from './actions';
import { publicTitle } from './messages';
import type { HeraldModule, ModuleContext } from '../modules';
import { IngestService } from './ingest.service';
import { compileMapping } from './mapping';
import { registerHookRoutes, type HookLimits } from './routes';
import { SnsClient, type SnsClientOptions } from './sns';
import { DEFAULT_POLICY, type IngestPolicy, type IntegrationMapping } from './types';

export type { IngestPolicy, IntegrationMapping, MappingRule } from './types';
export { IngestService } from './ingest.service';
export { ingestOptionsFromConfig, type IngestConfigSection, type IntegrationMappingConfig } from './config';

/**
 * The periodic repair and catch-up of alert-fed incidents (see IngestService.sweep); a colon, not
 * a dot, because graphile-worker's crontab refuses dots in task names.
 */
export const SWEEP_TASK = 'ingest:sweep';

/**
 * Knobs of alert ingestion. Each has a default; the composition root fills them from
 * `herald.yml` once the config carries them (see the module's report for the YAML).
 */
export interface IngestOptions {
  readonly policy?: Partial<IngestPolicy>;
  /** Mapping rules per integration id. */
  readonly mappings?: Readonly<Record<string, IntegrationMapping>>;
  /** Defaults to `config.file.integrations`. */
  readonly integrations?: readonly Integration[];
  readonly limits?: Partial<Omit<HookLimits, 'bodyLimit'>> & {
    readonly bodyLimit?: Partial<Record<IntegrationType, number>>;
  };
  /** SNS network options; `httpsAgent` is the test seam documented on SnsClientOptions. */
  readonly sns?: SnsClientOptions;
  /** Rows the sweep looks at per run. */
  readonly sweepLimit?: number;
}

const MiB = 1024 * 1024;
export const DEFAULT_LIMITS: HookLimits = {
  // Alertmanager batches a whole group (up to thousands of alerts); SNS messages are ≤ 256 KiB.
  bodyLimit: { alertmanager: MiB, sns: 320 * 1024, generic: 64 * 1024 },
  maxInFlight: 64,
  maxPoolWaiting: 32,
  retryAfterSeconds: 1,
};

/**
 * Public means published: an alert's incident gets a public title made of its services' names
 * and stays off every public surface until a person publishes it, unless
 * `status_page.auto_publish` lists its severity.
 */
function publicationFromConfig(file: HeraldFile): NonNullable<ActionDeps['publication']> {
  const names = new Map(file.services.map((s) => [s.id, s.name]));
  const auto = new Set<Severity>(file.statusPage.autoPublish);
  return (severity, services) => ({
    publicTitle: publicTitle(services.map((id) => names.get(id) ?? id)),
    published: auto.has(severity),
  });
}

/** The module and its service (tests and benchmarks drive the sweep directly). */
export function createIngest(
  ctx: ModuleContext,
  options: IngestOptions = {},
): { module: HeraldModule; service: IngestService } {
  const policy: IngestPolicy = { ...DEFAULT_POLICY, ...options.policy };
  const knownServices = new Set(ctx.config.file.services.map((s) => s.id));
  const integrations = (options.integrations ?? ctx.config.file.integrations).map((integration) => ({
    integration,
    mapper: compileMapping(integration, options.mappings?.[integration.id] ?? {}, knownServices),
  }));
  const byId = new Map(integrations.map((h) => [h.integration.id, h.integration]));
  const service = new IngestService({
    db: ctx.db,
    pool: ctx.pool,
    incidents: ctx.incidents,
    clock: ctx.clock,
    policy,
    autoResolve: (id) => byId.get(id)?.autoResolve ?? true,
    knownServices,
    publication: publicationFromConfig(ctx.config.file),
    onWriteSplit: (requests, err) =>
      ctx.logger.warn(
        { err, requests },
        `ingest: a write of ${requests} requests failed; writing each on its own so only the bad one fails`,
      ),
  });
  const limits: HookLimits = {
    ...DEFAULT_LIMITS,
    ...options.limits,
    bodyLimit: { ...DEFAULT_LIMITS.bodyLimit, ...options.limits?.bodyLimit },
  };
  const overloaded = new Counter({
    name: 'herald_ingest_overloaded_total',
    help: 'Alert hook requests turned away with 429',
    registers: [ctx.metrics],
  });
  const alerts = new Counter({
    name: 'herald_ingest_alerts_total',
    help: 'Alerts received by the hooks, by integration and outcome (received, new, resolved)',
    labelNames: ['integration', 'outcome'] as const,
    registers: [ctx.metrics],
  });
  const sns = new SnsClient(options.sns);

  const module: HeraldModule = {
    name: 'ingest',
    subscribers: [service.subscriber],
    tasks: {
      [SWEEP_TASK]: async () => {
        await service.sweep(options.sweepLimit);
      },
    },
    crontab: [`* * * * * ${SWEEP_TASK}`],
    tick: () => service.sweep(options.sweepLimit),
    routes: (app) =>
      registerHookRoutes(app, {
        service,
        integrations,
        knownServices,
        sns,
        limits,
        poolWaiting: () => ctx.pool.waitingCount,
        logger: ctx.logger,
        clock: ctx.clock,
        onOverload: () => overloaded.inc(),
        onIngested: (integration, r) => {
          alerts.inc({ integration, outcome: 'received' }, r.received);
          if (r.new) alerts.inc({ integration, outcome: 'new' }, r.new);
          if (r.resolved) alerts.inc({ integration, outcome: 'resolved' }, r.resolved);
        },
      }),
    start: async () => {
      if (integrations.length === 0) {
        ctx.logger.info('alert hooks off: no integrations in herald.yml, so /hooks/* answer 401');
      } else {
        const list = integrations.map((h) => `${h.integration.id} (${h.integration.type})`).join(', ');
        ctx.logger.info({ integrations: list }, `alert hooks on: ${list}`);
      }
    },
  };
  return { module, service };
}

/** The alert ingestion module (see src/modules.ts for the contract). */
export function ingestModule(ctx: ModuleContext, options: IngestOptions = {}): HeraldModule {
  return createIngest(ctx, options).module;
}
