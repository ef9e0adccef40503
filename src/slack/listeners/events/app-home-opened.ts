import type { App } from '@slack/bolt';
import { EVENTS } from '../../ids';
import { slackActor } from '../../mrkdwn';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { activeOverrides } from '../../../escalation/overrides';
import { onCallNow } from '../../oncall';
import { serviceNames } from '../../views/format';
import { homeView, incidentLine } from '../../views/summary';
import type { ListenerDeps } from '../deps';

/**
 * App Home opened: publish the viewer's Home tab (open incidents, the open incidents they
 * acknowledged, who is on call now). Publishing is idempotent, so a Slack retry is harmless.
 */
export function register(app: App, deps: ListenerDeps): void {
  app.event(EVENTS.appHomeOpened, async ({ event, client }) => {
    if (event.tab !== 'home') return;
    const now = deps.clock.now();
    const open = await deps.incidents.list({ status: 'open', limit: 50 });
    const line = (i: (typeof open)[number]) => incidentLine(i, serviceNames(deps.config, i.services), now);
    const viewer = slackActor(event.user);
    await client.views.publish({
      user_id: event.user,
      view: homeView({
        open: open.map(line),
        mine: open.filter((i) => i.acknowledgedBy === viewer).map(line),
        onCall: onCallNow(deps.config.file, now, await activeOverrides(deps.db, now)),
        now,
      }),
    });
  });
}
