import type { App, ViewSubmitAction } from '@slack/bolt';
import { CALLBACKS, INPUTS } from '../../ids';
import { decodeMetadata } from '../../metadata';
import { mrkdwn, slackActor } from '../../mrkdwn';
import { requireAllowed } from '../../permissions';
import { respondEphemeral } from '../../respond';
import type { ListenerDeps } from '../deps';
import { parseDeclare } from './state';
import { submit } from './submit';

/**
 * Declare modal submitted: validate (errors shown on the fields), declare through the service
 * (the person becomes the commander), close the modal, and confirm ephemerally where they typed
 * the command. The channel message is posted by the sync job the declaration enqueued.
 */
export function register(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(CALLBACKS.declare, async ({ ack, body, view }) => {
    const user = body.user.id;
    const knownServices = deps.config.file.services.map((s) => s.id);
    const present = [INPUTS.title, INPUTS.severity, INPUTS.services, INPUTS.description, INPUTS.impact];
    await submit(ack, present, async () => {
      requireAllowed(deps.config.file, 'declare', user);
      const form = parseDeclare(view.state.values, knownServices);
      if (!form.ok) return { errors: form.errors };
      const v = form.value;
      const incident = await deps.incidents.declare(
        {
          title: v.title,
          severity: v.severity,
          services: v.services,
          description: v.description,
          impact: v.impact,
          commander: slackActor(user),
          source: 'slack',
        },
        slackActor(user),
      );
      const { responseUrl } = decodeMetadata(view.private_metadata);
      const channel = deps.config.file.slack.incidentsChannel;
      const where = channel ? ` Follow it in <#${channel}>.` : '';
      return {
        after: async () => {
          if (responseUrl) {
            await respondEphemeral(responseUrl, {
              text: `:rotating_light: Declared *${incident.ref}* ${mrkdwn(incident.title, 150)}. You are the commander.${where}`,
            });
          }
        },
      };
    });
  });
}
