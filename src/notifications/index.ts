import type { HeraldModule, ModuleContext } from '../modules';
import { closeAdapters, createAdapters } from './channels';
import type { Trx } from '../db/schema';
import { deliveryMetrics } from './metrics';
import { enqueueDeliveries, plannerSubscriber, type DeliveryRequest, type PlannerDeps } from './planner';
import { heraldLimits, RateLimiter } from './ratelimit';
import { SEND_TASK } from './delivery.repository';
import { registerNotificationRoutes } from './routes';
import { DeliverySender } from './sender';
import { DeliveryTicker } from './tick';
import { z } from 'zod';
import { repeat, type Repeater } from '../shared/repeat';

export type { DeliveryRequest } from './planner';

/** What other modules may use: plan deliveries inside their own transaction. */
export interface Notifications {
  readonly module: HeraldModule;
  enqueue(trx: Trx, requests: readonly DeliveryRequest[]): Promise<number[]>;
  readonly sender: DeliverySender;
  readonly ticker: DeliveryTicker;
}

const sendPayload = z.object({ id: z.number().int() });

/** The notifications module: rules → deliveries (outbox) → channel adapters, with the audit. */
export function createNotifications(
  ctx: ModuleContext,
  opts: { ackSecret?: () => Promise<Buffer> } = {},
): Notifications {
  const { config, db, clock, logger } = ctx;
  const file = config.file;
  const adapters = createAdapters(config.env, logger, { clock });
  const planner: PlannerDeps = { file, adapters, maxAttempts: file.delivery.maxAttempts };
  const sender = new DeliverySender({
    ...planner,
    db,
    clock,
    logger,
    ackSecret: opts.ackSecret,
    limiter: new RateLimiter(heraldLimits(file.delivery.sesRatePerSecond)),
    metrics: deliveryMetrics(ctx.metrics, db),
    compose: {
      file,
      orgName: file.organization.name,
      publicUrl: config.env.publicUrl,
      serviceNames: new Map(file.services.map((s) => [s.id, s.name])),
      pagerdutyRoutingKey: config.env.pagerduty.routingKey,
    },
  });
  const ticker = new DeliveryTicker({ db, clock, sender });
  let loop: Repeater | undefined;
  const module: HeraldModule = {
    name: 'notifications',
    subscribers: [plannerSubscriber({ ...planner, snsTopicArn: config.env.aws.snsTopicArn }, clock)],
    tasks: {
      [SEND_TASK]: async (payload) => sender.process(sendPayload.parse(payload).id),
    },
    routes: (app) => registerNotificationRoutes(app, { db, clock, apiToken: config.env.apiToken }),
    start: async (runner) => {
      if (runner)
        loop = repeat(
          500,
          () => ticker.tick(),
          (err) => logger.error({ err }, 'delivery tick failed; retrying'),
        );
    },
    tick: () => ticker.tick(),
    stop: async () => {
      await loop?.stop();
      closeAdapters(adapters);
    },
  };
  const off = Object.values(adapters).filter((a) => a.disabledReason);
  if (off.length)
    logger.info(
      { channels: off.map((a) => a.channel) },
      `channels off: ${off.map((a) => a.disabledReason).join('; ')}`,
    );
  return {
    module,
    sender,
    ticker,
    enqueue: (trx, requests) => enqueueDeliveries(trx, planner, requests, clock.now()),
  };
}

export function notificationsModule(ctx: ModuleContext): HeraldModule {
  return createNotifications(ctx).module;
}
