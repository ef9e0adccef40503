import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { requireToken } from '../http/auth';
import { parse } from '../http/validate';
import { refOf, parseRef } from '../incidents/incident';
import type { ComponentStatusService } from './component-status.service';
import type { MaintenanceService, MaintenanceWithState } from './maintenance.service';
import { INCIDENT_COMPONENT_STATUSES } from './status';

const iso = (d: DateTime | null): string | null => (d ? d.toUTC().toISO() : null);

/** The API's maintenance object: snake_case, ISO 8601 UTC, like incidents. */
export function maintenanceApiJson(m: MaintenanceWithState) {
  return {
    ref: m.ref,
    title: m.title,
    message: m.message,
    components: m.components,
    state: m.state,
    starts_at: iso(m.startsAt),
    ends_at: iso(m.endsAt),
    completed_at: iso(m.completedAt),
    cancelled_at: iso(m.cancelledAt),
    created_by: m.createdBy,
    created_at: iso(m.createdAt),
    updated_at: iso(m.updatedAt),
  };
}

const instant = z
  .string()
  .max(40)
  .refine((s) => DateTime.fromISO(s, { setZone: true }).isValid && /[zZ]|[+-]\d\d:?\d\d$/.test(s), {
    message: 'must be an ISO 8601 time with a zone offset, e.g. 2026-12-01T22:00:00Z',
  })
  .transform((s) => DateTime.fromISO(s, { setZone: true }).toUTC());

const scheduleBody = z.strictObject({
  title: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  components: z.array(z.string().max(100)).max(100).default([]),
  starts_at: instant,
  ends_at: instant,
  message: z.string().trim().max(5_000, 'must be at most 5000 characters').optional(),
});
const listQuery = z.strictObject({
  state: z.enum(['upcoming', 'in_progress', 'completed', 'cancelled']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
const refParams = z.strictObject({ ref: z.string().max(40) });
const componentsBody = z.strictObject({
  components: z.record(
    z.string().max(100),
    z
      .enum(INCIDENT_COMPONENT_STATUSES, {
        message: `must be one of ${INCIDENT_COMPONENT_STATUSES.join(', ')}, or null`,
      })
      .nullable(),
  ),
});

function actorOf(headers: Record<string, unknown>): string {
  const named = headers['x-herald-actor'];
  return typeof named === 'string' && named.trim() ? `api:${named.trim().slice(0, 80)}` : 'api';
}

/**
 * `/api/v1/maintenances` and `/api/v1/incidents/{ref}/components` (token). These routes live in
 * the status page's own scope, so they check the token themselves.
 */
export function registerApiRoutes(
  app: FastifyInstance,
  deps: {
    apiToken: string | undefined;
    maintenances: MaintenanceService;
    componentStatus: ComponentStatusService;
  },
): void {
  app.register(async (api) => {
    api.addHook('onRequest', async (req) => requireToken(req, deps.apiToken, 'the API'));

    api.post('/api/v1/maintenances', async (req, reply) => {
      const b = parse(scheduleBody, req.body);
      const m = await deps.maintenances.schedule(
        {
          title: b.title,
          components: b.components,
          startsAt: b.starts_at,
          endsAt: b.ends_at,
          message: b.message,
        },
        actorOf(req.headers),
      );
      return reply.code(201).send(maintenanceApiJson(m));
    });

    api.get('/api/v1/maintenances', async (req) => {
      const q = parse(listQuery, req.query, 'query');
      return { maintenances: (await deps.maintenances.list(q)).map(maintenanceApiJson) };
    });

    api.get('/api/v1/maintenances/:ref', async (req) => {
      const { ref } = parse(refParams, req.params, 'reference');
      return maintenanceApiJson(await deps.maintenances.get(ref));
    });

    api.post('/api/v1/maintenances/:ref/complete', async (req) => {
      const { ref } = parse(refParams, req.params, 'reference');
      return maintenanceApiJson(await deps.maintenances.complete(ref, actorOf(req.headers)));
    });

    api.post('/api/v1/maintenances/:ref/cancel', async (req) => {
      const { ref } = parse(refParams, req.params, 'reference');
      return maintenanceApiJson(await deps.maintenances.cancel(ref, actorOf(req.headers)));
    });

    api.get('/api/v1/incidents/:ref/components', async (req) => {
      const { ref } = parse(refParams, req.params, 'reference');
      return { ref: refOf(parseRef(ref)), components: await deps.componentStatus.get(ref) };
    });

    api.put('/api/v1/incidents/:ref/components', async (req) => {
      const { ref } = parse(refParams, req.params, 'reference');
      const b = parse(componentsBody, req.body);
      const components = await deps.componentStatus.set(ref, b.components, actorOf(req.headers));
      return { ref: refOf(parseRef(ref)), components };
    });
  });
}
