import type { App, ViewSubmitAction } from '@slack/bolt';
import { CALLBACKS, INPUTS } from '../../ids';
import { decodeMetadata } from '../../metadata';
import { mrkdwn, slackActor } from '../../mrkdwn';
import { authorize } from '../../permissions';
import { respondEphemeral } from '../../respond';
import type { ListenerDeps } from '../deps';
import { parsePublish } from './state';
import { submit } from './submit';

/**
 * Publish modal submitted: `publish` re-checked for the incident's services, then the incident
 * goes on the status page, feeds and subscriber mail under the public title given. A private
 * incident is refused on the field (it was made private after the modal opened).
 */
export function register(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(CALLBACKS.publish, async ({ ack, body, view }) => {
    const meta = decodeMetadata(view.private_metadata);
    const user = body.user.id;
    await submit(ack, [INPUTS.publicTitle], async () => {
      const current = await deps.incidents.get(meta.ref ?? '');
      await authorize(deps, 'publish', user, { services: current.services });
      const form = parsePublish(view.state.values);
      if (!form.ok) return { errors: form.errors };
      if (current.private)
        return { errors: { [INPUTS.publicTitle]: `${current.ref} is private; untick Private first` } };
      const { incident } = await deps.incidents.publish(
        current.ref,
        { publicTitle: form.value.public_title },
        slackActor(user),
      );
      return {
        after: async () => {
          if (meta.responseUrl)
            await respondEphemeral(meta.responseUrl, {
              text: `:globe_with_meridians: ${incident.ref} is on the status page as “${mrkdwn(incident.publicTitle, 200)}”.`,
            });
        },
      };
    });
  });
}
