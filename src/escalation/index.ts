import type { Trx } from '../db/schema';
import type { HeraldModule, ModuleContext } from '../modules';
import type { DeliveryRequest } from '../notifications/planner';
import { repeat, type Repeater } from '../shared/repeat';
import { loadAckSecret } from './acklink';
import { escalationSubscriber, fireDueEscalations, type EngineDeps } from './engine';
import { registerEscalationRoutes } from './routes';

/** The escalation module: the engine's subscriber, its clock-driven tick, ack links, on-call API. */
export function escalationModule(
  ctx: ModuleContext,
  enqueue: (trx: Trx, requests: readonly DeliveryRequest[]) => Promise<number[]>,
  ackSecret: () => Promise<Buffer>,
): HeraldModule & { engine: EngineDeps } {
  const engine: EngineDeps = {
    db: ctx.db,
    clock: ctx.clock,
    file: ctx.config.file,
    incidents: ctx.incidents,
    enqueue,
  };
  let loop: Repeater | undefined;
  return {
    name: 'escalation',
    engine,
    subscribers: [escalationSubscriber(engine)],
    routes: (app) =>
      registerEscalationRoutes(app, {
        db: ctx.db,
        clock: ctx.clock,
        file: ctx.config.file,
        incidents: ctx.incidents,
        apiToken: ctx.config.env.apiToken,
        ackSecret,
      }),
    start: async (runner) => {
      if (runner) {
        loop = repeat(
          250,
          () => fireDueEscalations(engine),
          (err) => ctx.logger.error({ err }, 'escalation tick failed; retrying'),
        );
      }
    },
    tick: () => fireDueEscalations(engine),
    stop: async () => loop?.stop(),
  };
}

/** The ack-link key, loaded once per process (created on first use). */
export function ackSecretLoader(ctx: ModuleContext): () => Promise<Buffer> {
  let secret: Promise<Buffer> | undefined;
  return () => {
    secret ??= loadAckSecret(ctx.db).catch((err: unknown) => {
      secret = undefined; // not cached: the next caller tries the database again
      throw err;
    });
    return secret;
  };
}
