import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SEVERITIES, STATUSES } from '../../incidents/incident';
import type { IncidentService } from '../../incidents/incident.service';
import { parse } from '../validate';
import { eventJson, incidentJson } from './serialize';

const text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);
const required = (max: number) => text(max).min(1, 'must not be empty');
const severity = z.enum(SEVERITIES, { message: `must be one of ${SEVERITIES.join(', ')}` });
const services = z.array(required(100)).max(50, 'at most 50 services');

const declareBody = z.strictObject({
  title: required(200),
  severity,
  services,
  description: text(10_000).optional(),
  impact: text(2_000).optional(),
  commander: text(200).optional(),
  public_title: required(200).optional(),
  private: z.boolean({ message: 'must be true or false' }).optional(),
});

const updateBody = z.strictObject({
  message: required(5_000),
  status: z.enum(STATUSES, { message: `must be one of ${STATUSES.join(', ')}` }).optional(),
  public_message: text(5_000).optional(),
  severity: severity.optional(),
  title: required(200).optional(),
  description: text(10_000).optional(),
  impact: text(2_000).optional(),
  services: services.optional(),
  commander: text(200).optional(),
  public_title: required(200).optional(),
  private: z.boolean({ message: 'must be true or false' }).optional(),
});

const publishBody = z.strictObject({ public_title: required(200).optional() });

const resolveBody = z.strictObject({
  message: text(5_000).optional(),
  public_message: text(5_000).optional(),
  root_cause: text(5_000).optional(),
  resolution_steps: text(5_000).optional(),
});

const noteBody = z.strictObject({ message: text(5_000).optional() });

const listQuery = z.strictObject({
  status: z
    .enum([...STATUSES, 'open'], { message: `must be open or one of ${STATUSES.join(', ')}` })
    .optional(),
  severity: severity.optional(),
  service: text(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().min(1).optional(),
});

const refParams = z.strictObject({ ref: text(40) });

/** Who made an API change: the API itself, plus an optional X-Herald-Actor name for the timeline. */
function actorOf(headers: Record<string, unknown>): string {
  const named = headers['x-herald-actor'];
  return typeof named === 'string' && named.trim() ? `api:${named.trim().slice(0, 80)}` : 'api';
}

/** `/api/v1/incidents` (CONTRACT.md). Thin: parse, call the service, serialise. */
export function registerIncidentRoutes(app: FastifyInstance, incidents: IncidentService): void {
  app.post('/api/v1/incidents', async (req, reply) => {
    const { public_title, private: isPrivate, ...body } = parse(declareBody, req.body);
    const incident = await incidents.declare(
      { ...body, publicTitle: public_title, private: isPrivate, source: 'api' },
      actorOf(req.headers),
    );
    return reply.code(201).send(incidentJson(incident));
  });

  app.get('/api/v1/incidents', async (req) => {
    const q = parse(listQuery, req.query, 'query');
    const list = await incidents.list(q);
    return { incidents: list.map(incidentJson) };
  });

  app.get('/api/v1/incidents/:ref', async (req) => {
    const { ref } = parse(refParams, req.params, 'reference');
    const { incident, events } = await incidents.timeline(ref);
    return { ...incidentJson(incident), timeline: events.map(eventJson) };
  });

  app.post('/api/v1/incidents/:ref/updates', async (req, reply) => {
    const { ref } = parse(refParams, req.params, 'reference');
    const b = parse(updateBody, req.body);
    const incident = await incidents.update(
      ref,
      {
        message: b.message,
        publicMessage: b.public_message,
        status: b.status,
        severity: b.severity,
        title: b.title,
        description: b.description,
        impact: b.impact,
        services: b.services,
        commander: b.commander,
        publicTitle: b.public_title,
        private: b.private,
      },
      actorOf(req.headers),
    );
    return reply.code(201).send(incidentJson(incident));
  });

  /** Puts an incident (an alert's, typically) on the status page, feeds and subscriber mail. */
  app.post('/api/v1/incidents/:ref/publish', async (req) => {
    const { ref } = parse(refParams, req.params, 'reference');
    const b = parse(publishBody, req.body ?? {});
    const { incident, changed } = await incidents.publish(
      ref,
      { publicTitle: b.public_title },
      actorOf(req.headers),
    );
    return { ...incidentJson(incident), already_published: !changed };
  });

  app.post('/api/v1/incidents/:ref/acknowledge', async (req) => {
    const { ref } = parse(refParams, req.params, 'reference');
    parse(noteBody, req.body ?? {});
    const { incident, changed } = await incidents.acknowledge(ref, actorOf(req.headers));
    return { ...incidentJson(incident), already_acknowledged: !changed };
  });

  app.post('/api/v1/incidents/:ref/resolve', async (req) => {
    const { ref } = parse(refParams, req.params, 'reference');
    const b = parse(resolveBody, req.body ?? {});
    const incident = await incidents.resolve(
      ref,
      {
        summary: b.message,
        publicMessage: b.public_message,
        rootCause: b.root_cause,
        resolutionSteps: b.resolution_steps,
      },
      actorOf(req.headers),
    );
    return incidentJson(incident);
  });

  app.post('/api/v1/incidents/:ref/reopen', async (req) => {
    const { ref } = parse(refParams, req.params, 'reference');
    const b = parse(noteBody, req.body ?? {});
    return incidentJson(await incidents.reopen(ref, actorOf(req.headers), b.message));
  });

  app.post('/api/v1/incidents/:ref/escalate', async (req) => {
    const { ref } = parse(refParams, req.params, 'reference');
    const b = parse(noteBody, req.body ?? {});
    return incidentJson(await incidents.escalate(ref, actorOf(req.headers), b.message));
  });
}
