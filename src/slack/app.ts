import { App, type Authorize, type Receiver } from '@slack/bolt';
import type { webApi } from '@slack/bolt';
import type { Logger } from '../common/logger';
import { installErrorBoundary } from './boundary';
import { boltLogger, webClientOptions } from './client';
import type { ListenerDeps } from './listeners/deps';
import { registerListeners } from './listeners';

/**
 * One workspace, one bot token. Bolt's own single-token mode calls auth.test in its constructor
 * and caches a rejected promise when Slack is unreachable (an unhandled rejection, then every
 * request failing). This authorize does the same call lazily, keeps only a success, and without
 * it still serves requests with the token alone: the bot's ids only feed Bolt's ignoreSelf filter.
 */
export function tokenAuthorize(token: string, client: webApi.WebClient, logger: Logger): Authorize<boolean> {
  let ids: Promise<{ botId?: string; botUserId?: string }> | undefined;
  return async () => {
    ids ??= client.auth.test({ token }).then((r) => ({ botId: r.bot_id, botUserId: r.user_id }));
    try {
      return { botToken: token, ...(await ids) };
    } catch (err) {
      ids = undefined; // try again on the next request
      logger.warn({ err }, 'Slack auth.test failed; serving this request without the bot ids');
      return { botToken: token };
    }
  };
}

/** A Bolt app on the given receiver, with every listener and the error boundary installed. */
export function createBoltApp(opts: {
  receiver: Receiver;
  botToken: string;
  apiUrl: string;
  client: webApi.WebClient;
  deps: ListenerDeps;
}): App {
  const { deps } = opts;
  const app = new App({
    receiver: opts.receiver,
    authorize: tokenAuthorize(opts.botToken, opts.client, deps.logger),
    logger: boltLogger(deps.logger),
    clientOptions: webClientOptions(opts.apiUrl, deps.logger),
    extendedErrorHandler: true,
  });
  installErrorBoundary(app, { logger: deps.logger, client: opts.client });
  registerListeners(app, deps);
  return app;
}
