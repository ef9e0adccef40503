import type { FastifyInstance } from 'fastify';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import type { Kysely } from 'kysely';

import { z } from 'zod';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import type { Database } from '../db/schema';
import { requireToken } from '../http/auth';
import { parse } from '../http/validate';
import { parseRef } from '../incidents/incident';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { findIncident } from '../incidents/incident.repository';
import type { Clock } from '../common/clock';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { deliveriesOf } from './delivery.repository';
import { computeStats } from './stats';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** `GET /api/v1/incidents/{ref}/deliveries` (the audit) and `GET /api/v1/stats` (token). */
export function registerNotificationRoutes(
  app: FastifyInstance,
  deps: { db: Kysely<Database>; clock: Clock; apiToken: string | undefined },
): void {
  app.addHook('onRequest', async (req) => requireToken(req, deps.apiToken, 'the API'));

  app.get('/api/v1/incidents/:ref/deliveries', async (req) => {
    const { ref } = parse(z.strictObject({ ref: z.string().max(40) }), req.params, 'reference');
    const incident = await findIncident(deps.db, parseRef(ref));
    const { deliveries, attempts } = await deliveriesOf(deps.db, incident.id);
    return {
      incident: incident.ref,
      deliveries: deliveries.map((d) => ({
        id: d.id,
        idempotency_key: d.idempotency_key,
        event_id: d.event_id,
        recipient: { kind: d.recipient_kind, id: d.recipient_id },
        channel: d.channel,
        audience: d.audience,
        rule: d.rule,
        status: d.status,
        reason: d.reason,
        attempts: d.attempts,
        max_attempts: d.max_attempts,
        next_attempt_at: iso(d.next_attempt_at),
        fallback_from: d.fallback_from,
        provider_id: d.provider_id,
        created_at: iso(d.created_at),
        sent_at: iso(d.sent_at),
        attempt_log: attempts
          .filter((a) => a.delivery_id === d.id)
          .map((a) => ({
            attempt: a.attempt,
            started_at: iso(a.started_at),
            duration_ms: a.duration_ms,
            outcome: a.outcome,
            http_status: a.http_status,
            provider_id: a.provider_id,
            error: a.error,
            retry_at: iso(a.retry_at),
          })),
      })),
    };
  });

  app.get('/api/v1/stats', async (req) => {
    const q = parse(
      z.strictObject({
        hours: z.coerce
          .number()
          .int()
          .min(1)
          .max(24 * 90)
          .default(24),
      }),
      req.query,
      'query',
    );
    const to = deps.clock.now();
    return computeStats(deps.db, to.minus({ hours: q.hours }), to.plus({ milliseconds: 1 }));
  });
}
