import type { App, ViewSubmitAction } from '@slack/bolt';
import { CALLBACKS, INPUTS } from '../../ids';
import { decodeMetadata } from '../../metadata';
import { slackActor } from '../../mrkdwn';
import { allowed, authorize, fieldRefusal } from '../../permissions';
import { respondEphemeral } from '../../respond';
import type { ListenerDeps } from '../deps';
import { parseResolve } from './state';
import { submit } from './submit';

/**
 * Resolve modal submitted: permission re-checked (and `publish` for a public message, refused
 * on its field), then resolved with summary, root cause and public message.
 */
export function register(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(CALLBACKS.resolve, async ({ ack, body, view }) => {
    const meta = decodeMetadata(view.private_metadata);
    const user = body.user.id;
    await submit(ack, [INPUTS.summary, INPUTS.rootCause, INPUTS.publicMessage], async () => {
      const current = await deps.incidents.get(meta.ref ?? '');
      const scope = { services: current.services };
      await authorize(deps, 'resolve', user, scope);
      const form = parseResolve(view.state.values);
      if (!form.ok) return { errors: form.errors };
      const v = form.value;
      if (v.public_message && !(await allowed(deps, 'publish', user, scope)))
        return { errors: { [INPUTS.publicMessage]: fieldRefusal(deps.config.file, 'publish', scope) } };
      const incident = await deps.incidents.resolve(
        current.ref,
        { summary: v.summary, rootCause: v.root_cause, publicMessage: v.public_message ?? null },
        slackActor(user),
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
