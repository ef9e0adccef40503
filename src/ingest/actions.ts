import type { Kysely } from 'kysely';
import type { Database, Trx } from '../db/schema';
import { refOf } from '../incidents/incident';
import type { IncidentService } from '../incidents/incident.service';
import type { Clock } from '../common/clock';
import * as bind from './binding.repository';
import type { GroupRef } from './binding.repository';
import { guarded, StaleIngestState } from './guard';
import type { GroupAction, IncidentAction } from './grouping';
import type { GroupSnapshot, IncidentSnapshot } from './ingest.repository';
import { stormGroup } from './ingest.repository';
import * as text from './messages';
import type { IngestPolicy } from './types';
import type { Severity } from '../incidents/incident';

/**
 * Applies the decisions of grouping.ts. Actions that a person should see (declare, reopen, "N more
 * alerts", resolve, cleared) go through IncidentService, with ingest's own writes and checks run
 * inside its transaction (guard.ts); silent ones (binding alerts to an open incident, noting that
 * alerts cleared) are one short transaction of ours. Every check that fails throws
 * StaleIngestState, and the caller decides again on a fresh snapshot.
 */
export interface ActionDeps {
  readonly db: Kysely<Database>;
  readonly incidents: IncidentService;
  readonly clock: Clock;
  readonly policy: IngestPolicy;
  /** Whether the integration resolves incidents when their alerts resolve (config `auto_resolve`). */
  readonly autoResolve: (integrationId: string) => boolean;
  /**
   * Services in config (empty: any). Alerts stored before a service was removed from config must
   * not make their declaration fail for ever.
   */
  readonly knownServices: ReadonlySet<string>;
  /**
   * How an alert's incident shows publicly: its public title and whether it is published at once
   * (`status_page.auto_publish` names its severity). Default: unpublished, a neutral title.
   */
  readonly publication?: (severity: Severity, services: readonly string[]) => Publication;
}

/** What public surfaces get of an alert's incident when it is opened. */
export interface Publication {
  readonly publicTitle: string;
  readonly published: boolean;
}

const unpublished = (): Publication => ({ publicTitle: text.publicTitle([]), published: false });

const actorOf = (integrationId: string) => `alert:${integrationId}`;

function expect(condition: boolean, what: string): void {
  if (!condition) throw new StaleIngestState(what);
}

export async function applyGroupAction(
  deps: ActionDeps,
  g: GroupRef,
  snap: GroupSnapshot,
  action: GroupAction,
): Promise<void> {
  const now = deps.clock.now();
  const storm = stormGroup(snap.service);
  const checkGroups = async (trx: Trx, stormExpected: number | null | undefined) => {
    expect((await bind.lockGroupRow(trx, g)) === snap.incidentId, 'group incident');
    if (stormExpected !== undefined) {
      expect((await bind.lockStormRow(trx, storm, snap.service, now)) === stormExpected, 'storm incident');
    }
  };
  switch (action.kind) {
    case 'none':
      return;
    case 'declare': {
      const summary = await bind.unboundSummary(deps.db, g);
      expect(summary.count > 0, 'unbound alerts');
      const threshold = deps.policy.stormNewAlertsPerMinute;
      const startedAt = summary.startedAt && summary.startedAt < now ? summary.startedAt : now;
      await guarded(
        async (trx, change) => {
          expect(change.event.kind === 'declared', 'declare event');
          await checkGroups(trx, action.storm ? snap.storm.incidentId : undefined);
          const id = change.incident.id;
          const bound = await bind.bindUnbound(trx, g, id);
          expect(bound.count > 0, 'unbound alerts');
          await bind.insertIncidentState(trx, {
            incidentId: id,
            integrationId: g.integrationId,
            service: snap.service,
            storm: action.storm,
            autoResolve: deps.autoResolve(g.integrationId),
            firing: bound.count,
            now,
          });
          await bind.setGroupIncident(trx, g, id, now);
          if (action.storm) await bind.setGroupIncident(trx, storm, id, now);
        },
        (options) => {
          const severity = summary.severity ?? 'high';
          const services = (action.storm ? (snap.service ? [snap.service] : []) : summary.services).filter(
            (x) => deps.knownServices.size === 0 || deps.knownServices.has(x),
          );
          return deps.incidents.declare(
            {
              title: action.storm ? text.stormTitle(snap.service) : snap.title,
              severity,
              services,
              ...(deps.publication ?? unpublished)(severity, services),
              description: text.declareDescription(
                summary,
                g.integrationId,
                action.storm ? { service: snap.service, threshold } : null,
              ),
              startedAt,
              source: 'alert',
            },
            actorOf(g.integrationId),
            options,
          );
        },
      );
      return;
    }
    case 'reopen': {
      const summary = await bind.unboundSummary(deps.db, g, 3);
      expect(summary.count > 0, 'unbound alerts');
      const resolvedAt = action.storm ? snap.storm.resolvedAt : snap.incidentResolvedAt;
      await guarded(
        async (trx, change) => {
          expect(change.event.kind === 'reopened', 'reopen event');
          await checkGroups(trx, action.storm ? action.incidentId : undefined);
          const bound = await bind.bindUnbound(trx, g, action.incidentId);
          expect(bound.count > 0, 'unbound alerts');
          await bind.addToIncidentState(trx, action.incidentId, {
            firing: bound.count,
            total: bound.firstFiring,
            pending: 0,
            severity: null,
          });
          await bind.patchIncidentState(trx, action.incidentId, {
            flapping: true,
            cleared_at: null,
            pending: 0,
            pending_severity: null,
            last_event_at: now.toJSDate(),
          });
          await bind.setGroupIncident(trx, g, action.incidentId, now);
        },
        (options) =>
          deps.incidents.reopen(
            refOf(action.incidentId),
            actorOf(g.integrationId),
            text.reopenMessage(
              summary.count,
              resolvedAt,
              now,
              summary.sample.map((a) => a.summary),
            ),
            options,
          ),
      );
      return;
    }
    case 'bind': {
      await deps.db.transaction().execute(async (trx) => {
        await checkGroups(trx, undefined);
        const incident = await trx
          .selectFrom('incidents')
          .select('status')
          .where('id', '=', action.incidentId)
          .forShare()
          .executeTakeFirst();
        expect(incident !== undefined && incident.status !== 'resolved', 'incident open');
        const bound = await bind.bindUnbound(trx, g, action.incidentId);
        expect(bound.count > 0, 'unbound alerts');
        await bind.addToIncidentState(trx, action.incidentId, {
          firing: bound.count,
          total: bound.count,
          pending: bound.count,
          severity: bound.severity,
        });
        await bind.setGroupIncident(trx, g, action.incidentId, now);
      });
      return;
    }
  }
}

/**
 * `latest`, when given, names the newest alerts (the request's own, when they are exactly the
 * pending ones), saving a query for the "N more alerts" message.
 */
export async function applyIncidentAction(
  deps: ActionDeps,
  s: IncidentSnapshot,
  action: IncidentAction,
  latest?: readonly string[],
): Promise<void> {
  const now = deps.clock.now();
  const ref = refOf(s.id);
  const actor = actorOf(s.integrationId);
  const lock = async (trx: Trx) => {
    const state = await bind.lockIncidentState(trx, s.id);
    expect(state !== undefined, 'incident state');
    return state as bind.LockedIncidentState;
  };
  const silently = (fn: (trx: Trx) => Promise<void>) => deps.db.transaction().execute(fn);
  const open = (change: { previous: { status: string } | null }) =>
    expect(change.previous !== null && change.previous.status !== 'resolved', 'incident open');
  switch (action.kind) {
    case 'none':
      return;
    case 'flush': {
      const names = latest ?? (await bind.latestSummaries(deps.db, s.id, 3));
      const message = text.moreAlertsMessage(action.count, s.firing, s.total, names);
      await guarded(
        async (trx, change) => {
          open(change);
          const state = await lock(trx);
          expect(state.pending >= action.count, 'pending alerts');
          const left = state.pending - action.count;
          await bind.patchIncidentState(trx, s.id, {
            pending: left,
            ...(left === 0 ? { pending_severity: null } : {}),
            last_event_at: now.toJSDate(),
          });
        },
        (options) =>
          deps.incidents.update(
            ref,
            { message, ...(action.raiseTo ? { severity: action.raiseTo } : {}) },
            actor,
            options,
          ),
      );
      return;
    }
    case 'resolve': {
      const summary = text.resolvedSummary(s.total, s.flapping, deps.policy.flapWindowMinutes);
      await guarded(
        async (trx, change) => {
          open(change);
          expect((await lock(trx)).firing === 0, 'all alerts cleared');
          await bind.patchIncidentState(trx, s.id, {
            cleared_at: null,
            flapping: false,
            pending: 0,
            pending_severity: null,
            last_event_at: now.toJSDate(),
          });
        },
        (options) => deps.incidents.resolve(ref, { summary }, actor, options),
      );
      return;
    }
    case 'cleared': {
      await guarded(
        async (trx, change) => {
          open(change);
          expect((await lock(trx)).firing === 0, 'all alerts cleared');
          await bind.patchIncidentState(trx, s.id, {
            cleared_at: now.toJSDate(),
            flapping: false,
            pending: 0,
            pending_severity: null,
            last_event_at: now.toJSDate(),
          });
        },
        (options) => deps.incidents.update(ref, { message: text.clearedMessage(s.total) }, actor, options),
      );
      return;
    }
    case 'mark-cleared':
      await silently(async (trx) => {
        const state = await lock(trx);
        expect(state.firing === 0 && state.clearedAt === null, 'alerts cleared');
        await bind.patchIncidentState(trx, s.id, { cleared_at: now.toJSDate() });
      });
      return;
    case 'unclear':
      await silently(async (trx) => {
        expect((await lock(trx)).firing > 0, 'alerts firing');
        await bind.patchIncidentState(trx, s.id, { cleared_at: null });
      });
      return;
  }
}
