import type { FastifyInstance, FastifyReply } from 'fastify';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { HeraldFile } from '../config';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import type { Database } from '../db/schema';
import { requireToken } from '../http/auth';
import { parse } from '../http/validate';
import { refOf } from '../incidents/incident';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { findIncident, openPeriod } from '../incidents/incident.repository';
import type { IncidentService } from '../incidents/incident.service';
import type { Clock } from '../common/clock';
import { HTTP_STATUS, isHeraldError } from '../common/errors';
import { assertLinkCurrent, useAckToken, verifyAckToken } from './acklink';
import { activeOverrides, createOverride } from './overrides';
import { confirmPage, resultPage } from './pages';
import { explainOnCall } from './schedule';

export interface EscalationRouteDeps {
  db: Kysely<Database>;
  clock: Clock;
  file: HeraldFile;
  incidents: IncidentService;
  apiToken: string | undefined;
  ackSecret: () => Promise<Buffer>;
}

const tokenParams = z.strictObject({ token: z.string().min(10).max(1000) });

/** A browser page, so failures are pages too (with the right status), not JSON. */
async function htmlPage(reply: FastifyReply, work: () => Promise<string>): Promise<FastifyReply> {
  reply
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .type('text/html; charset=utf-8');
  try {
    return reply.send(await work());
  } catch (err) {
    if (!isHeraldError(err) || HTTP_STATUS[err.code] >= 500) throw err;
    return reply
      .code(HTTP_STATUS[err.code])
      .send(resultPage({ heading: 'Not acknowledged', message: err.message }));
  }
}

export function registerEscalationRoutes(app: FastifyInstance, deps: EscalationRouteDeps): void {
  // Ack links in their own scope: the confirm page's form posts as a browser does
  // (application/x-www-form-urlencoded, empty body), which fastify would refuse with 415.
  app.register(async (links) => {
    links.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 1024 },
      (_req, _body, done) => done(null, {}),
    );

    // GET only shows the button (a mail scanner fetching the URL must not acknowledge), but a
    // link that can no longer work says so here rather than after the click.
    links.get('/ack/:token', async (req, reply) =>
      htmlPage(reply, async () => {
        const { token } = parse(tokenParams, req.params, 'link');
        const claims = verifyAckToken(await deps.ackSecret(), token, deps.clock.now());
        const incident = await findIncident(deps.db, claims.incidentId);
        assertLinkCurrent(claims, incident, await openPeriod(deps.db, incident.id));
        return confirmPage({
          orgName: deps.file.organization.name,
          ref: incident.ref,
          title: incident.title,
          status: incident.status,
        });
      }),
    );

    // Checks and the nonce run inside the acknowledgement's transaction, on the locked incident:
    // a refusal (resolved, reopened since, already used) writes nothing and burns nothing.
    links.post('/ack/:token', async (req, reply) =>
      htmlPage(reply, async () => {
        const { token } = parse(tokenParams, req.params, 'link');
        const now = deps.clock.now();
        const claims = verifyAckToken(await deps.ackSecret(), token, now);
        const { incident, changed } = await deps.incidents.acknowledge(
          refOf(claims.incidentId),
          `link:${claims.personId}`,
          {
            check: async (trx, before) => {
              assertLinkCurrent(claims, before, await openPeriod(trx, before.id));
              await useAckToken(trx, claims, now);
            },
          },
        );
        return resultPage({
          heading: `${incident.ref} acknowledged`,
          message: changed
            ? 'Thank you. Escalation has stopped; the team can see that you own this incident.'
            : `It was already acknowledged${incident.acknowledgedBy ? ` by ${incident.acknowledgedBy}` : ''}.`,
        });
      }),
    );
  });

  app.register(async (api) => {
    api.addHook('onRequest', async (req) => requireToken(req, deps.apiToken, 'the API'));

    api.get('/api/v1/oncall', async (req) => {
      const q = parse(
        z.strictObject({ at: z.iso.datetime({ offset: true }).optional() }),
        req.query,
        'query',
      );
      const at = q.at ? DateTime.fromISO(q.at) : deps.clock.now();
      const overrides = await activeOverrides(deps.db, at);
      return {
        at: at.toUTC().toISO(),
        schedules: deps.file.schedules.map((s) => {
          const who = explainOnCall(s, at, overrides[s.id] ?? []);
          return { id: s.id, name: s.name, people: who.personIds, source: who.source };
        }),
      };
    });

    api.post('/api/v1/schedules/:id/overrides', async (req, reply) => {
      const { id } = parse(z.strictObject({ id: z.string().max(64) }), req.params, 'schedule');
      const body = parse(
        z.strictObject({
          person: z.string().max(64),
          start: z.iso.datetime({ offset: true }),
          end: z.iso.datetime({ offset: true }),
        }),
        req.body,
      );
      const row = await createOverride(
        deps.db,
        deps.file,
        {
          scheduleId: id,
          personId: body.person,
          start: DateTime.fromISO(body.start),
          end: DateTime.fromISO(body.end),
          createdBy: 'api',
        },
        deps.clock.now(),
      );
      return reply.code(201).send({
        id: row.id,
        schedule: id,
        person: row.personId,
        start: row.start.toUTC().toISO(),
        end: row.end.toUTC().toISO(),
      });
    });
  });
}
