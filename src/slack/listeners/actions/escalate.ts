import type { App, BlockButtonAction } from '@slack/bolt';
import { ACTIONS } from '../../ids';
import { slackActor } from '../../mrkdwn';
import { authorize } from '../../permissions';
import type { ListenerDeps } from '../deps';
import { escalateReply } from '../commands/replies';

/**
 * Escalate button (it asks for confirmation first): checks `slack.permissions.escalate` and
 * records the escalation; the escalation engine pages the next level from that event. A Slack
 * retry of a request already handled does not escalate twice.
 */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(ACTIONS.escalate, async ({ ack, action, body, respond, context }) => {
    await ack();
    if (context.retryNum) return;
    const current = await deps.incidents.get(action.value ?? '');
    await authorize(deps, 'escalate', body.user.id, { services: current.services });
    const incident = await deps.incidents.escalate(current.ref, slackActor(body.user.id));
    await respond(escalateReply(incident));
  });
}
