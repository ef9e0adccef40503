import type { App, ViewSubmitAction } from '@slack/bolt';
import { CALLBACKS, INPUTS } from '../../ids';
import { decodeMetadata } from '../../metadata';
import { slackActor } from '../../mrkdwn';
import { respondEphemeral } from '../../respond';
import type { ListenerDeps } from '../deps';
import { parseUpdate } from './state';
import { submit } from './submit';

/** Update modal submitted: status (when changed), message, public message, through the service. */
export function register(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(CALLBACKS.update, async ({ ack, body, view }) => {
    const meta = decodeMetadata(view.private_metadata);
    await submit(ack, [INPUTS.status, INPUTS.message, INPUTS.publicMessage], async () => {
      const form = parseUpdate(view.state.values);
      if (!form.ok) return { errors: form.errors };
      const current = await deps.incidents.get(meta.ref ?? '');
      const v = form.value;
      const incident = await deps.incidents.update(
        current.ref,
        {
          message: v.message,
          publicMessage: v.public_message ?? null,
          ...(v.status !== current.status ? { status: v.status } : {}),
        },
        slackActor(body.user.id),
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
