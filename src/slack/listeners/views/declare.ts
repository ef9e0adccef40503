import type { App, ViewSubmitAction } from '@slack/bolt';
import { CALLBACKS, INPUTS } from '../../ids';
import { decodeMetadata } from '../../metadata';
import { mrkdwn, slackActor } from '../../mrkdwn';
import { allowed, authorize } from '../../permissions';
import { respondEphemeral } from '../../respond';
import type { ListenerDeps } from '../deps';
import { parseDeclare } from './state';
import { submit } from './submit';

/**
 * Declare modal submitted: validate (errors shown on the fields), declare through the service
 * (the person becomes the commander), close the modal, and confirm ephemerally where they typed
 * the command. The incident is public at once only when it is not private and the person may
 * publish for its services; otherwise it waits for someone who may (the Publish button). The
 * channel message is posted by the sync job the declaration enqueued.
 */
export function register(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(CALLBACKS.declare, async ({ ack, body, view }) => {
    const user = body.user.id;
    const knownServices = deps.config.file.services.map((s) => s.id);
    const present = [
      INPUTS.title,
      INPUTS.severity,
      INPUTS.services,
      INPUTS.description,
      INPUTS.impact,
      INPUTS.publicTitle,
    ];
    await submit(ack, present, async () => {
      await authorize(deps, 'declare', user);
      const form = parseDeclare(view.state.values, knownServices);
      if (!form.ok) return { errors: form.errors };
      const v = form.value;
      const isPrivate = v.private ?? false;
      const published = !isPrivate && (await allowed(deps, 'publish', user, { services: v.services }));
      const incident = await deps.incidents.declare(
        {
          title: v.title,
          severity: v.severity,
          services: v.services,
          description: v.description,
          impact: v.impact,
          commander: slackActor(user),
          source: 'slack',
          publicTitle: v.public_title,
          private: isPrivate,
          published,
        },
        slackActor(user),
      );
      const { responseUrl } = decodeMetadata(view.private_metadata);
      const channel = deps.config.file.slack.incidentsChannel;
      const where = channel ? ` Follow it in <#${channel}>.` : '';
      const visibility = isPrivate
        ? ' It is private: never on the status page.'
        : published
          ? ''
          : ' It is not on the status page yet: someone with the publish permission can publish it.';
      return {
        after: async () => {
          if (responseUrl) {
            await respondEphemeral(responseUrl, {
              text: `:rotating_light: Declared *${incident.ref}* ${mrkdwn(incident.title, 150)}. You are the commander.${where}${visibility}`,
            });
          }
        },
      };
    });
  });
}
