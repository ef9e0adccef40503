import type { App, BlockButtonAction } from '@slack/bolt';
import { ACTIONS } from '../../ids';
import { authorize } from '../../permissions';
import { updateModal } from '../../views/modals';
import type { ListenerDeps } from '../deps';

/** Update button: checks `slack.permissions.update`, then opens the update modal. */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(ACTIONS.update, async ({ ack, action, body, client }) => {
    await ack();
    const incident = await deps.incidents.get(action.value ?? '');
    await authorize(deps, 'update', body.user.id, { services: incident.services });
    await client.views.open({
      trigger_id: body.trigger_id,
      view: updateModal(incident, { responseUrl: body.response_url }),
    });
  });
}
