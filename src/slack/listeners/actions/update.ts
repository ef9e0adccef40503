import type { App, BlockButtonAction } from '@slack/bolt';
import { ACTIONS } from '../../ids';
import { updateModal } from '../../views/modals';
import type { ListenerDeps } from '../deps';

/** Update button: opens the update modal for the incident the button belongs to. */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(ACTIONS.update, async ({ ack, action, body, client }) => {
    await ack();
    const incident = await deps.incidents.get(action.value ?? '');
    await client.views.open({
      trigger_id: body.trigger_id,
      view: updateModal(incident, { responseUrl: body.response_url }),
    });
  });
}
