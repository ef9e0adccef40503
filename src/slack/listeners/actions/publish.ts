import type { App, BlockButtonAction } from '@slack/bolt';
import { ACTIONS } from '../../ids';
import { authorize } from '../../permissions';
import { publishModal } from '../../views/modals';
import type { ListenerDeps } from '../deps';
import { publishRefusal } from '../commands/replies';

/**
 * Publish button (shown while an incident is not public): checks `slack.permissions.publish`
 * for the incident's services, then opens the publish modal so the public title is read before
 * anything goes out. The submission checks again and publishes.
 */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(ACTIONS.publish, async ({ ack, action, body, client, respond }) => {
    await ack();
    const incident = await deps.incidents.get(action.value ?? '');
    await authorize(deps, 'publish', body.user.id, { services: incident.services });
    const refused = publishRefusal(incident);
    if (refused) {
      await respond(refused);
      return;
    }
    await client.views.open({
      trigger_id: body.trigger_id,
      view: publishModal(incident, { responseUrl: body.response_url }),
    });
  });
}
