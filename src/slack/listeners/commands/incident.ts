import type { App, RespondFn } from '@slack/bolt';
import type { webApi } from '@slack/bolt';
import { COMMAND } from '../../ids';
import { DateTime } from 'luxon';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { createOverride } from '../../../escalation/overrides';
import { HeraldError } from '../../../common/errors';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { MaintenanceService } from '../../../statuspage/maintenance.service';
import { mrkdwn, slackActor } from '../../mrkdwn';
import { authorize, servicesOfComponents, servicesOfSchedule } from '../../permissions';
import { declareModal, publishModal, resolveModal, updateModal } from '../../views/modals';
import type { ListenerDeps } from '../deps';
import { parseCommand, usageText, type ParsedCommand } from './parse';
import {
  acknowledgeReply,
  escalateReply,
  listReply,
  onCallReply,
  publishRefusal,
  statusReply,
} from './replies';

/**
 * `/incident …`: one listener, thin. Help and usage are the ack itself; everything else acks at
 * once (Slack's 3 seconds), then opens a modal (while the trigger_id is fresh) or answers
 * ephemerally through the response_url. Errors go to the app's error boundary.
 */
export function register(app: App, deps: ListenerDeps): void {
  app.command(COMMAND, async ({ command, ack, respond, client }) => {
    const parsed = parseCommand(command.text);
    if (parsed.kind === 'help' || parsed.kind === 'usage') {
      await ack({
        response_type: 'ephemeral',
        text: usageText(parsed.kind === 'usage' ? parsed.problem : undefined),
      });
      return;
    }
    await ack();
    await run(parsed, {
      deps,
      user: command.user_id,
      triggerId: command.trigger_id,
      responseUrl: command.response_url,
      respond,
      client,
    });
  });
}

interface Run {
  deps: ListenerDeps;
  user: string;
  triggerId: string;
  responseUrl: string;
  respond: RespondFn;
  client: webApi.WebClient;
}

async function run(cmd: Exclude<ParsedCommand, { kind: 'help' | 'usage' }>, r: Run): Promise<void> {
  const { deps, user } = r;
  const meta = { responseUrl: r.responseUrl };
  switch (cmd.kind) {
    case 'declare':
      await authorize(deps, 'declare', user);
      await r.client.views.open({
        trigger_id: r.triggerId,
        view: declareModal(deps.config, { title: cmd.title, meta }),
      });
      return;
    case 'update': {
      const incident = await deps.incidents.get(cmd.ref);
      await authorize(deps, 'update', user, { services: incident.services });
      await r.client.views.open({ trigger_id: r.triggerId, view: updateModal(incident, meta) });
      return;
    }
    case 'resolve': {
      const incident = await deps.incidents.get(cmd.ref);
      await authorize(deps, 'resolve', user, { services: incident.services });
      if (incident.status === 'resolved') {
        await r.respond({ response_type: 'ephemeral', text: `${incident.ref} is already resolved.` });
        return;
      }
      await r.client.views.open({ trigger_id: r.triggerId, view: resolveModal(incident, meta) });
      return;
    }
    case 'publish': {
      const incident = await deps.incidents.get(cmd.ref);
      await authorize(deps, 'publish', user, { services: incident.services });
      const refused = publishRefusal(incident);
      if (refused) await r.respond(refused);
      else await r.client.views.open({ trigger_id: r.triggerId, view: publishModal(incident, meta) });
      return;
    }
    case 'ack': {
      const current = await deps.incidents.get(cmd.ref);
      await authorize(deps, 'acknowledge', user, { services: current.services });
      const result = await deps.incidents.acknowledge(current.ref, slackActor(user));
      await r.respond(acknowledgeReply(result));
      return;
    }
    case 'escalate': {
      const current = await deps.incidents.get(cmd.ref);
      await authorize(deps, 'escalate', user, { services: current.services });
      await r.respond(escalateReply(await deps.incidents.escalate(current.ref, slackActor(user))));
      return;
    }
    case 'status':
      await r.respond(statusReply(deps, await deps.incidents.get(cmd.ref)));
      return;
    case 'list':
      await r.respond(await listReply(deps));
      return;
    case 'oncall':
      await r.respond(await onCallReply(deps));
      return;
    case 'maintenance': {
      // A maintenance banner is public: the maintenance permission, for the services shown as
      // those components.
      // (Unknown components are refused by the service below, with their names.)
      const known = deps.config.file.statusPage.components.map((c) => c.id);
      if (cmd.components.every((c) => known.includes(c)))
        await authorize(deps, 'maintenance', user, {
          services: servicesOfComponents(deps.config.file, cmd.components),
        });
      const now = deps.clock.now();
      const startsAt = cmd.start.toLowerCase() === 'now' ? now : DateTime.fromISO(cmd.start, { zone: 'utc' });
      if (!startsAt.isValid)
        throw new HeraldError(
          'Validation',
          `“${cmd.start.slice(0, 40)}” is not a start time (now, or like 2026-12-05T22:00Z)`,
        );
      const m = await maintenanceService(deps).schedule(
        {
          title: cmd.title,
          components: cmd.components,
          startsAt,
          endsAt: startsAt.plus({ hours: cmd.hours }),
        },
        slackActor(user),
      );
      await r.respond({
        response_type: 'ephemeral',
        text: `Scheduled ${m.ref}: ${mrkdwn(m.title)} (${m.state}), ${m.startsAt.toUTC().toFormat('yyyy-LL-dd HH:mm')}–${m.endsAt.toUTC().toFormat("HH:mm 'UTC'")}.`,
      });
      return;
    }
    case 'override': {
      // (An unknown schedule is refused by createOverride below, with its name.)
      if (deps.config.file.schedules.some((s) => s.id === cmd.schedule))
        await authorize(deps, 'override', user, {
          services: servicesOfSchedule(deps.config.file, cmd.schedule),
        });
      const person = deps.config.file.people.find((p) => p.id === cmd.person || p.slackUserId === cmd.person);
      const now = deps.clock.now();
      const o = await createOverride(
        deps.db,
        deps.config.file,
        {
          scheduleId: cmd.schedule,
          personId: person?.id ?? cmd.person,
          start: now,
          end: now.plus({ hours: cmd.hours }),
          createdBy: slackActor(user),
        },
        now,
      );
      await r.respond({
        response_type: 'ephemeral',
        text: `${mrkdwn(person?.name ?? o.personId)} is on call for ${mrkdwn(o.scheduleId)} until ${o.end.toUTC().toFormat("yyyy-LL-dd HH:mm 'UTC'")}.`,
      });
      return;
    }
  }
}

/** The status page's maintenance service, over the same database (it announces changes itself). */
function maintenanceService(deps: ListenerDeps): MaintenanceService {
  return new MaintenanceService({
    db: deps.db,
    clock: deps.clock,
    components: new Set(deps.config.file.statusPage.components.map((c) => c.id)),
  });
}
