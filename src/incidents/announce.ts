import type { Kysely } from 'kysely';
import type { Task } from 'graphile-worker';
import { z } from 'zod';
import { addJob } from '../db/jobs';
import type { Database } from '../db/schema';
import type { Logger } from '../shared/logger';
import { refOf } from './incident';
import { findIncident } from './incident.repository';
import type { ChangeSubscriber } from './incident.service';
import type { HeraldModule, ModuleContext } from '../modules';

/**
 * The first subscriber of incident changes: every timeline event enqueues an `incident.announce`
 * job in the same transaction, and the worker writes one readable log line per event. It shows
 * the whole declare → worker path on a first run with nothing configured, and proves the outbox
 * (an event never exists without its job). The notification engine plans real deliveries beside it.
 */
export const ANNOUNCE_TASK = 'incident.announce';

export const announceSubscriber: ChangeSubscriber = async (trx, { incident, event }) => {
  await addJob(trx, ANNOUNCE_TASK, { incidentId: incident.id, eventId: event.id }, { maxAttempts: 5 });
};

const payload = z.object({ incidentId: z.number().int(), eventId: z.number().int() });

export function announceTask(db: Kysely<Database>, logger: Logger): Task {
  return async (raw) => {
    const { incidentId, eventId } = payload.parse(raw);
    const event = await db
      .selectFrom('incident_events')
      .select(['kind', 'actor', 'message'])
      .where('id', '=', eventId)
      .executeTakeFirst();
    if (!event) return; // the incident was deleted since; nothing to announce
    const incident = await findIncident(db, incidentId);
    logger.info(
      { channel: 'console', incident: refOf(incidentId), event: event.kind, actor: event.actor },
      `[${incident.severity.toUpperCase()}] ${incident.ref} ${event.kind}: ${incident.title} (status ${incident.status}${
        incident.services.length ? `, services ${incident.services.join(', ')}` : ''
      })${event.message ? ` - ${event.message}` : ''}`,
    );
  };
}

export function announceModule(ctx: ModuleContext): HeraldModule {
  return {
    name: 'announce',
    subscribers: [announceSubscriber],
    tasks: { [ANNOUNCE_TASK]: announceTask(ctx.db, ctx.logger) },
  };
}
