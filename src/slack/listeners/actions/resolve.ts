import type { App, BlockButtonAction } from '@slack/bolt';
import { ACTIONS } from '../../ids';
import { authorize } from '../../permissions';
import { resolveModal } from '../../views/modals';
import type { ListenerDeps } from '../deps';

/** Resolve button: checks `slack.permissions.resolve`, then opens the resolve modal. */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(ACTIONS.resolve, async ({ ack, action, body, client, respond }) => {
    await ack();
    const incident = await deps.incidents.get(action.value ?? '');
    await authorize(deps, 'resolve', body.user.id, { services: incident.services });
    if (incident.status === 'resolved') {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `${incident.ref} is already resolved.`,
      });
      return;
    }
    await client.views.open({
      trigger_id: body.trigger_id,
      view: resolveModal(incident, { responseUrl: body.response_url }),
    });
  });
}
