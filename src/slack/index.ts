import { SocketModeReceiver, type App } from '@slack/bolt';
import type { HeraldModule, ModuleContext } from '../modules';
import { tickFailed } from '../modules';
import { createBoltApp } from './app';
import { boltLogger, createWebClient } from './client';
import { EVENTS_PATH } from './ids';
import type { ListenerDeps } from './listeners/deps';
import { FastifyReceiver } from './receiver';
import { slackSettings } from './settings';
import { releaseDueSyncs, SYNC_TASK, syncSubscriber, threadNote, syncTask } from './sync';
import { repeat, type Repeater } from '../common/repeat';

export { mrkdwn, mention, actorText, link, dateToken } from './mrkdwn';
export { executiveSummary } from './views/executive';
export { buildDigest, digestData } from './digest';

/**
 * The Slack module (see src/modules.ts for the contract): `/incident`, modals, the live incident
 * message with its buttons, the App Home. On when a bot token and a signing secret (HTTP at
 * `POST /slack/events`) or an app-level token (Socket Mode) are set; otherwise it has no routes,
 * no tasks, no subscribers, and says so in one log line.
 *
 * Process roles: web processes serve Slack (the route, or the Socket Mode connection once the
 * routes hook has run, which only happens in web processes); worker processes run the sync job
 * that posts and edits the incident message; any process making a change enqueues that job.
 */
/** The Slack module, plus a way for others to add a note to an incident's thread. */
export type SlackModule = HeraldModule & { readonly threadNote?: ReturnType<typeof threadNote> };

export function slackModule(ctx: ModuleContext): SlackModule {
  const settings = slackSettings(ctx.config.env.slack);
  if (settings.mode === 'off') {
    ctx.logger.info(settings.reason);
    return { name: 'slack' };
  }
  const channel = ctx.config.file.slack.incidentsChannel;
  const client = createWebClient(settings.botToken, settings.apiUrl, ctx.logger);
  const deps: ListenerDeps = {
    config: ctx.config,
    incidents: ctx.incidents,
    db: ctx.db,
    clock: ctx.clock,
    logger: ctx.logger,
  };
  const bolt = (receiver: FastifyReceiver | SocketModeReceiver): App =>
    createBoltApp({ receiver, botToken: settings.botToken, apiUrl: settings.apiUrl, client, deps });

  ctx.logger.info(
    `Slack on (${settings.mode === 'http' ? `HTTP at POST ${EVENTS_PATH}` : 'Socket Mode'}); ${
      channel
        ? `incident messages in ${channel}`
        : 'incident messages off: set SLACK_INCIDENTS_CHANNEL or slack.incidents_channel'
    }`,
  );

  let serving = false;
  let socketApp: App | undefined;
  let loop: Repeater | undefined;
  const tick = releaseDueSyncs(ctx.db, ctx.clock);
  return {
    name: 'slack',
    threadNote: channel ? threadNote(channel) : undefined,
    subscribers: channel ? [syncSubscriber(channel)] : [],
    tasks: {
      [SYNC_TASK]: syncTask({
        db: ctx.db,
        incidents: ctx.incidents,
        client,
        config: ctx.config,
        clock: ctx.clock,
        channel,
      }),
    },
    routes: (scope) => {
      serving = true;
      if (settings.mode !== 'http') return;
      const receiver = new FastifyReceiver({
        signingSecret: settings.signingSecret,
        logger: boltLogger(ctx.logger),
      });
      bolt(receiver);
      receiver.register(scope);
    },
    start: async (worker) => {
      // Worker processes wait out Slack's Retry-After for incident messages (see sync.ts).
      if (worker && channel) loop = repeat(500, tick, tickFailed(ctx.logger, 'Slack sync'));
      if (settings.mode !== 'socket' || !serving) return;
      const receiver = new SocketModeReceiver({
        appToken: settings.appToken,
        logger: boltLogger(ctx.logger),
        installerOptions: { clientOptions: { slackApiUrl: settings.apiUrl } },
      });
      socketApp = bolt(receiver);
      // Connecting waits on Slack; Herald serves everything else meanwhile, and the Socket Mode
      // client reconnects by itself once connected. A failed first connection is reported here.
      socketApp.start().then(
        () => ctx.logger.info('Slack Socket Mode connected'),
        (err: unknown) =>
          ctx.logger.error({ err }, 'Slack Socket Mode could not connect; check SLACK_APP_TOKEN'),
      );
    },
    tick,
    stop: async () => {
      await loop?.stop();
      await socketApp?.stop();
    },
  };
}
