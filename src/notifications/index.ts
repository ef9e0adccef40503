import type { HeraldModule, ModuleContext } from '../modules';
import { tickFailed } from '../modules';
import { closeAdapters, createAdapters } from './channels';
import type { Trx } from '../db/schema';
import { deliveryMetrics } from './metrics';
import { enqueueDeliveries, plannerSubscriber, type DeliveryRequest, type PlannerDeps } from './planner';
import { heraldLimits, RateLimiter } from './ratelimit';
import { SEND_TASK } from './delivery.repository';
import { registerNotificationRoutes } from './routes';
import { DeliverySender } from './sender';
import { DeliveryTicker } from './tick';
import { planDueDigests } from './digests';
import { z } from 'zod';
import { repeat, type Repeater } from '../common/repeat';

export type { DeliveryRequest } from './planner';

/** What other modules may use: plan deliveries inside their own transaction. */
export interface Notifications {
  readonly module: HeraldModule;
  enqueue(trx: Trx, requests: readonly DeliveryRequest[]): Promise<number[]>;
  readonly sender: DeliverySender;
  readonly ticker: DeliveryTicker;
}

const sendItem = z.object({
  id: z.number().int(),
  key: z.string().optional(),
  priority: z.number().int().min(0).max(3).optional(),
});
/** A batch of deliveries; a single `{id, key}` is what jobs queued by earlier versions carry. */
const sendPayload = z.union([z.object({ deliveries: z.array(sendItem) }), sendItem]);

/** The notifications module: rules → deliveries (outbox) → channel adapters, with the audit. */
export function createNotifications(
  ctx: ModuleContext,
  opts: {
    ackSecret?: () => Promise<Buffer>;
    /** Test seam for the adapters' per-call timeout (see `runHerald`); default 10 s. */
    providerTimeoutMs?: number;
  } = {},
): Notifications {
  const { config, db, clock, logger } = ctx;
  const file = config.file;
  const adapters = createAdapters(config.env, logger, { clock, timeoutMs: opts.providerTimeoutMs });
  const planner: PlannerDeps = { file, adapters, maxAttempts: file.delivery.maxAttempts };
  const limiter = new RateLimiter(heraldLimits(file.delivery.sesRatePerSecond), {
    bulkShare: file.delivery.bulkShare,
  });
  const metrics = deliveryMetrics(ctx.metrics, db, clock, limiter);
  const sender = new DeliverySender({
    ...planner,
    db,
    clock,
    logger,
    ackSecret: opts.ackSecret,
    limiter,
    metrics,
    compose: {
      file,
      orgName: file.organization.name,
      publicUrl: config.env.publicUrl,
      serviceNames: new Map(file.services.map((s) => [s.id, s.name])),
      pagerdutyRoutingKey: config.env.pagerduty.routingKey,
    },
  });
  const ticker = new DeliveryTicker({
    db,
    clock,
    sender,
    claimTimeoutMs: file.delivery.claimTimeoutSeconds * 1000,
  });
  let loop: Repeater | undefined;
  const digestCtx = { orgName: file.organization.name, publicUrl: config.env.publicUrl };
  const enqueue = (trx: Trx, requests: readonly DeliveryRequest[]) =>
    enqueueDeliveries(trx, planner, requests, clock.now());
  /** Clock-driven work: executives' digests that fell due, then retries, releases, sealing. */
  const tick = async () => {
    await planDueDigests(db, file, digestCtx, clock.now(), enqueue);
    return ticker.tick();
  };
  const module: HeraldModule = {
    name: 'notifications',
    subscribers: [plannerSubscriber({ ...planner, snsTopicArn: config.env.aws.snsTopicArn }, clock)],
    tasks: {
      [SEND_TASK]: async (payload) => {
        const job = sendPayload.parse(payload);
        await sender.processMany('deliveries' in job ? job.deliveries : [job]);
      },
    },
    routes: (app) => registerNotificationRoutes(app, { db, clock, apiToken: config.env.apiToken }),
    start: async (runner) => {
      if (runner) loop = repeat(500, tick, tickFailed(logger, 'delivery'));
    },
    tick,
    refreshMetrics: metrics.refresh,
    stop: async () => {
      await loop?.stop();
      closeAdapters(adapters);
    },
  };
  // One line per provider that is off. Slack is announced by the Slack module, which knows both
  // of its modes (HTTP and Socket Mode); saying it here too would make two lines for one provider.
  const reasons = new Set(
    Object.values(adapters).flatMap((a) =>
      a.disabledReason && a.channel !== 'slack' && a.channel !== 'slack_channel' ? [a.disabledReason] : [],
    ),
  );
  for (const reason of reasons) logger.info(reason);
  return {
    module,
    sender,
    ticker,
    enqueue,
  };
}

export function notificationsModule(ctx: ModuleContext): HeraldModule {
  return createNotifications(ctx).module;
}
