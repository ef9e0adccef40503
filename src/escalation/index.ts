import type { HeraldModule, ModuleContext } from '../modules';
import { tickFailed } from '../modules';
import { repeat, type Repeater } from '../common/repeat';
import { loadAckSecret } from './acklink';
import { escalationSubscriber, fireDueEscalations, fireDueReminders, type EngineDeps } from './engine';
import { registerEscalationRoutes } from './routes';

/** The escalation module: the engine's subscriber, its clock-driven tick, ack links, on-call API. */
export function escalationModule(
  ctx: ModuleContext,
  deps: Pick<EngineDeps, 'enqueue' | 'remind'> & { ackSecret: () => Promise<Buffer> },
): HeraldModule & { engine: EngineDeps } {
  const engine: EngineDeps = {
    db: ctx.db,
    clock: ctx.clock,
    file: ctx.config.file,
    incidents: ctx.incidents,
    enqueue: deps.enqueue,
    remind: deps.remind,
  };
  const tick = async (): Promise<number> =>
    (await fireDueEscalations(engine)) + (await fireDueReminders(engine));
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
        ackSecret: deps.ackSecret,
      }),
    start: async (runner) => {
      if (runner) loop = repeat(250, tick, tickFailed(ctx.logger, 'escalation'));
    },
    tick,
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
