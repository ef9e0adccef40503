import type { HeraldModule, ModuleContext } from '../modules';
import { isPublic } from '../incidents/incident';
import type { ChangeSubscriber } from '../incidents/incident.service';
import { registerApiRoutes } from './api';
import { PageCache } from './cache';
import { ComponentStatusService } from './component-status.service';
import { ChangeListener, notifyChange } from './listener';
import { MaintenanceService } from './maintenance.service';
import { incidentImpact, SEVERITY_IMPACT } from './status';
import { siteFrom } from './model';
import type { DeliveryHealth, SubscriberMailer } from './ports';
import { renderers } from './render';
import { pageFastPath, registerPageRoutes } from './routes';
import { loadSnapshot } from './snapshot';
import { incidentUrl } from './statuspage-json';
import { RequestLimits } from './request-limits';
import { registerSubscribeRoutes } from './subscribe.routes';
import { SubscriberService } from './subscriber.service';

export { MaintenanceService, maintenanceRef, parseMaintenanceRef } from './maintenance.service';
export type { MaintenanceWithState, ScheduleMaintenanceInput } from './maintenance.service';
export { ComponentStatusService } from './component-status.service';
export { CHANNEL as STATUSPAGE_CHANNEL } from './listener';
export type {
  DeliveryHealth,
  DeliveryHealthRow,
  PublicIncident,
  SubscriberMailer,
  SubscriberRecipient,
} from './ports';
export { RECIPIENT_BATCH } from './ports';
export { COMPONENT_STATUSES, INCIDENT_COMPONENT_STATUSES, SEVERITY_COMPONENT_STATUS } from './status';
export type { ComponentStatus, IncidentComponentStatus, MaintenanceState } from './status';

/** Ports the composition root binds (see ports.ts); each is optional so the page works alone. */
export interface StatusPageOptions {
  /** Failed/dead deliveries for /internal; unbound → the page says delivery health is unavailable. */
  readonly deliveryHealth?: DeliveryHealth;
  /** Subscriber email; unbound → no subscription routes and no subscribe form. */
  readonly mailer?: SubscriberMailer;
  /** LISTEN for changes made by other processes (default true; off only in single-process tests). */
  readonly listen?: boolean;
  /** Minimum ms between eager re-renders after changes (default 1000; tests use 0). */
  readonly minRefreshIntervalMs?: number;
}

/**
 * The status page module: public and internal pages, Statuspage-compatible JSON, feeds,
 * maintenance and subscribers. Also exposes its services for Slack (`/incident maintenance`,
 * component statuses) and its cache for tests and benchmarks.
 */
export interface StatusPageModule extends HeraldModule {
  readonly maintenances: MaintenanceService;
  readonly componentStatus: ComponentStatusService;
  /** Present when a mailer is bound. */
  readonly subscriptions: SubscriberService | undefined;
  readonly cache: PageCache;
}

/** The reason given for invalidations caused by this process's own writes (before NOTIFY arrives). */
export const LOCAL_CHANGE = 'local change';

/**
 * Builds the maintenance service for another module (Slack's `/incident maintenance`) from the
 * shared context. Its changes reach every web process through NOTIFY; no shared instance needed.
 */
export function createMaintenanceService(ctx: ModuleContext): MaintenanceService {
  return new MaintenanceService({
    db: ctx.db,
    clock: ctx.clock,
    components: new Set(ctx.config.file.statusPage.components.map((c) => c.id)),
  });
}

/** Builds the component-status service (explicit statuses per incident) for another module. */
export function createComponentStatusService(ctx: ModuleContext): ComponentStatusService {
  return new ComponentStatusService({
    db: ctx.db,
    clock: ctx.clock,
    components: new Set(ctx.config.file.statusPage.components.map((c) => c.id)),
  });
}

export function statusPageModule(ctx: ModuleContext, options: StatusPageOptions = {}): StatusPageModule {
  const site = siteFrom(ctx.config);
  const componentIds = new Set(site.components.map((c) => c.id));
  const limits = ctx.config.file.statusPage.subscribeLimits;
  const subscriptions = options.mailer
    ? new SubscriberService({
        db: ctx.db,
        clock: ctx.clock,
        mailer: options.mailer,
        publicUrl: site.publicUrl,
        pageTitle: site.title,
        confirmationsPerDay: limits.confirmationsPerAddressPerDay,
      })
    : undefined;
  const pages = renderers({
    site,
    subscriptions: subscriptions !== undefined,
    deliveryHealth: options.deliveryHealth,
  });
  const cache = new PageCache({
    load: (now) => loadSnapshot(ctx.db, now),
    clock: ctx.clock,
    logger: ctx.logger,
    prepare: pages.prepare,
    minRefreshIntervalMs: options.minRefreshIntervalMs,
  });
  const invalidate = () => cache.invalidate(LOCAL_CHANGE);
  const maintenances = new MaintenanceService({
    db: ctx.db,
    clock: ctx.clock,
    components: componentIds,
    onChange: invalidate,
  });
  const componentStatus = new ComponentStatusService({
    db: ctx.db,
    clock: ctx.clock,
    components: componentIds,
    onChange: invalidate,
  });
  const listener = new ChangeListener({
    connection: ctx.pool.options,
    logger: ctx.logger,
    onChange: (payload) => cache.invalidate(payload),
    onLive: (live) => cache.setLive(live),
  });

  /** Every incident change may change what the pages show: tell every process, at commit. */
  const announce: ChangeSubscriber = async (trx, { incident, event }) => {
    await notifyChange(trx, `incident:${incident.id}:${event.id}`);
  };

  /**
   * Public updates of public incidents (published, not private) go to confirmed subscribers,
   * planned in the same transaction, under the public title only.
   */
  const emailSubscribers: ChangeSubscriber = async (trx, { incident, event }) => {
    const message = event.publicMessage?.trim();
    if (!subscriptions || !message || !isPublic(incident)) return;
    const impact = incidentImpact(incident, site.componentOfService, []);
    await subscriptions.notifyIncidentUpdate(
      trx,
      {
        ref: incident.ref,
        title: incident.publicTitle,
        status: incident.status,
        impact: SEVERITY_IMPACT[incident.severity],
        components: site.components.filter((c) => impact.has(c.id)).map((c) => c.name),
        url: incidentUrl(site.publicUrl, incident.ref),
      },
      event.id,
      message,
    );
  };

  let serving = false;
  return {
    name: 'statuspage',
    subscribers: [announce, emailSubscribers],
    fastPaths: [pageFastPath({ cache, renderers: pages })],
    routes: (app) => {
      serving = true;
      registerPageRoutes(app, {
        cache,
        renderers: pages,
        apiToken: ctx.config.env.apiToken,
      });
      registerApiRoutes(app, { apiToken: ctx.config.env.apiToken, maintenances, componentStatus });
      if (subscriptions) {
        registerSubscribeRoutes(app, {
          subscribers: subscriptions,
          site: site.title,
          limits: new RequestLimits(ctx.clock, {
            perClientPerMinute: limits.perClientPerMinute,
            globalPerMinute: limits.globalPerMinute,
          }),
        });
      }
    },
    start: async () => {
      // Only web processes serve pages; a worker-only process has no cache to keep fresh.
      if (serving && options.listen !== false) await listener.start();
    },
    stop: async () => {
      await listener.stop();
      await cache.close();
    },
    maintenances,
    componentStatus,
    subscriptions,
    cache,
  };
}
