import type { App, BlockButtonAction } from '@slack/bolt';
import { ACTIONS } from '../../ids';
import { slackActor } from '../../mrkdwn';
import { authorize } from '../../permissions';
import type { ListenerDeps } from '../deps';
import { acknowledgeReply } from '../commands/replies';

/**
 * Acknowledge button: checks `slack.permissions.acknowledge`. The service makes it idempotent
 * (one acknowledgement, `changed` false on repeats); a double click answers "already
 * acknowledged", and a Slack retry (`retryNum`) of a request we already handled says nothing at
 * all. The channel message is refreshed by the sync job the change enqueued, not here.
 */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(ACTIONS.acknowledge, async ({ ack, action, body, respond, context }) => {
    await ack();
    const current = await deps.incidents.get(action.value ?? '');
    await authorize(deps, 'acknowledge', body.user.id, { services: current.services });
    const result = await deps.incidents.acknowledge(current.ref, slackActor(body.user.id));
    if (!result.changed && context.retryNum) return;
    await respond(acknowledgeReply(result));
  });
}
