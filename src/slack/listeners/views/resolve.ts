import type { App, ViewSubmitAction } from '@slack/bolt';
import { CALLBACKS, INPUTS } from '../../ids';
import { decodeMetadata } from '../../metadata';
import { slackActor } from '../../mrkdwn';
import { requireAllowed } from '../../permissions';
import { respondEphemeral } from '../../respond';
import type { ListenerDeps } from '../deps';
import { parseResolve } from './state';
import { submit } from './submit';

/** Resolve modal submitted: permission re-checked, then resolved with summary and root cause. */
export function register(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(CALLBACKS.resolve, async ({ ack, body, view }) => {
    const meta = decodeMetadata(view.private_metadata);
    await submit(ack, [INPUTS.summary, INPUTS.rootCause], async () => {
      requireAllowed(deps.config.file, 'resolve', body.user.id);
      const form = parseResolve(view.state.values);
      if (!form.ok) return { errors: form.errors };
      const incident = await deps.incidents.resolve(
        meta.ref ?? '',
        { summary: form.value.summary, rootCause: form.value.root_cause },
        slackActor(body.user.id),
      );
      return {
        after: async () => {
          if (meta.responseUrl)
            await respondEphemeral(meta.responseUrl, {
              text: `:white_check_mark: ${incident.ref} resolved.`,
            });
        },
      };
    });
  });
}
