import type { App, ViewSubmitAction } from '@slack/bolt';
import { CALLBACKS, INPUTS } from '../../ids';
import { decodeMetadata } from '../../metadata';
import { slackActor } from '../../mrkdwn';
import { allowed, authorize, fieldRefusal } from '../../permissions';
import { respondEphemeral } from '../../respond';
import type { ListenerDeps } from '../deps';
import { parseUpdate } from './state';
import { submit } from './submit';

/**
 * Update modal submitted: `update` permission re-checked; a public message, or unticking
 * "Private", also needs `publish` (both can make something public), refused on its field.
 * Then status (when changed), message, public message and privacy go through the service.
 */
export function register(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(CALLBACKS.update, async ({ ack, body, view }) => {
    const meta = decodeMetadata(view.private_metadata);
    const user = body.user.id;
    await submit(ack, [INPUTS.status, INPUTS.message, INPUTS.publicMessage, INPUTS.private], async () => {
      const current = await deps.incidents.get(meta.ref ?? '');
      const scope = { services: current.services };
      await authorize(deps, 'update', user, scope);
      const form = parseUpdate(view.state.values);
      if (!form.ok) return { errors: form.errors };
      const v = form.value;
      const privacy = v.private !== undefined && v.private !== current.private ? v.private : undefined;
      const refusal = fieldRefusal(deps.config.file, 'publish', scope);
      if (v.public_message && !(await allowed(deps, 'publish', user, scope)))
        return { errors: { [INPUTS.publicMessage]: refusal } };
      if (privacy === false && !(await allowed(deps, 'publish', user, scope)))
        return { errors: { [INPUTS.private]: refusal } };
      const incident = await deps.incidents.update(
        current.ref,
        {
          message: v.message,
          publicMessage: v.public_message ?? null,
          ...(v.status !== current.status ? { status: v.status } : {}),
          ...(privacy !== undefined ? { private: privacy } : {}),
        },
        slackActor(user),
      );
      return {
        after: async () => {
          if (meta.responseUrl)
            await respondEphemeral(meta.responseUrl, { text: `:memo: Update posted to ${incident.ref}.` });
        },
      };
    });
  });
}
