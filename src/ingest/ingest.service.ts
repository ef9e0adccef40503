import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { refOf } from '../incidents/incident';
import type { ChangeSubscriber, IncidentService } from '../incidents/incident.service';
import type { Clock } from '../shared/clock';
import { applyGroupAction, applyIncidentAction, type ActionDeps } from './actions';
import * as bind from './binding.repository';
import type { GroupRef } from './binding.repository';
import { guardSubscriber, isRetryable } from './guard';
import { decideGroup, decideIncident, planFacts } from './grouping';
import * as repo from './ingest.repository';
import { KeyedMutex } from './mutex';
import type { AlertBatch, IngestPolicy } from './types';

export interface IngestResult {
  /** Alerts in the request. */
  readonly received: number;
  /** Alerts that started firing and were news (not repeats, not flapping). */
  readonly new: number;
  readonly resolved: number;
  /** The group's incident after the request (`INC-n`), if it has one. */
  readonly incident: string | null;
}

export interface IngestServiceDeps {
  readonly db: Kysely<Database>;
  readonly incidents: IncidentService;
  readonly clock: Clock;
  readonly policy: IngestPolicy;
  readonly autoResolve: (integrationId: string) => boolean;
}

/** Decisions per request before giving up (each is one action or a retry after a race). */
const MAX_STEPS = 12;

/**
 * Alert ingestion: each request writes its facts in one transaction (alert rows in batched
 * statements, the group row locked so requests for a group serialise across processes), then
 * settles the group and its incident: declare, reopen, announce more alerts, resolve. Those
 * actions are derived from the stored state, not from the request, so a crash between the two
 * steps is repaired by {@link IngestService.sweep}, which a cron job runs every minute.
 */
export class IngestService {
  /** Register on the incident service (the module does): it runs ingest's checks in its transactions. */
  readonly subscriber: ChangeSubscriber;
  private readonly mutex = new KeyedMutex();
  private readonly actions: ActionDeps;

  constructor(private readonly deps: IngestServiceDeps) {
    this.actions = deps;
    this.subscriber = guardSubscriber(async (trx, change) => {
      // Someone else changed an incident that alerts feed: keep the counters' view in step.
      const now = deps.clock.now().toJSDate();
      if (change.event.kind === 'resolved') {
        await bind.patchIncidentState(trx, change.incident.id, {
          pending: 0,
          pending_severity: null,
          cleared_at: null,
          flapping: false,
        });
      } else if (change.event.kind === 'reopened') {
        // A person reopened it: if the alerts are clear, it is theirs to resolve, not ours.
        await sql`update ingest_incidents set flapping = false,
            cleared_at = case when firing = 0 then ${now}::timestamptz end
          where incident_id = ${change.incident.id}`.execute(trx);
      }
    });
  }

  async ingest(batch: AlertBatch): Promise<IngestResult> {
    const g: GroupRef = { integrationId: batch.integrationId, groupKey: batch.groupKey };
    return this.mutex.run(`${g.integrationId}\u0000${g.groupKey}`, async () => {
      const now = this.deps.clock.now();
      const facts = await this.deps.db.transaction().execute(async (trx) => {
        const group = await repo.lockGroup(trx, batch, now);
        const known = await repo.knownAlerts(trx, batch);
        const target = group.incidentOpen ? group.incidentId : null;
        const facts = planFacts(known, batch, target, now, this.deps.policy);
        await repo.writeFacts(trx, batch, facts, target, now);
        return { facts, incidentId: group.incidentId };
      });
      const changed = facts.facts.firing.length > 0 || facts.facts.resolved.length > 0;
      const incidentId = changed
        ? await this.settleGroup(g, [...facts.facts.deltas.keys()])
        : facts.incidentId;
      return {
        received: batch.alerts.length,
        new: facts.facts.newCount,
        resolved: facts.facts.resolved.length,
        incident: incidentId === null ? null : refOf(incidentId),
      };
    });
  }

  /**
   * Repairs and catches up: groups whose firing alerts have no incident (a crash after their
   * facts were written), coalesced "more alerts" that are due, flapping incidents whose alerts
   * stayed clear for the flap window, incidents whose alerts all cleared. Returns how many it
   * looked at.
   */
  async sweep(limit = 200): Promise<number> {
    const groups = await bind.groupsWithUnbound(this.deps.db, limit);
    for (const g of groups) {
      await this.mutex.run(`${g.integrationId}\u0000${g.groupKey}`, () => this.settleGroup(g, []));
    }
    const incidents = await bind.incidentsNeedingAttention(this.deps.db, limit);
    for (const id of incidents) await this.settleIncident(id);
    return groups.length + incidents.length;
  }

  /** Acts on the group, then on its incident and the others the request touched, until nothing is left to do. */
  private async settleGroup(g: GroupRef, touched: readonly number[]): Promise<number | null> {
    for (let step = 0; step < MAX_STEPS; step++) {
      const now = this.deps.clock.now();
      const snap = await repo.groupSnapshot(this.deps.db, g.integrationId, g.groupKey, now);
      if (!snap) return null;
      const action = decideGroup(snap, now, this.deps.policy);
      if (action.kind !== 'none') {
        await this.retrying(() => applyGroupAction(this.actions, g, snap, action));
        continue;
      }
      const ids = new Set([...(snap.incidentId !== null ? [snap.incidentId] : []), ...touched]);
      let acted = false;
      for (const id of ids) {
        if (await this.settleIncidentOnce(id)) {
          acted = true;
          break;
        }
      }
      if (!acted) return snap.incidentId;
    }
    throw new Error(`ingest: group ${g.integrationId}/${g.groupKey} did not settle in ${MAX_STEPS} steps`);
  }

  private async settleIncident(id: number): Promise<void> {
    for (let step = 0; step < MAX_STEPS; step++) {
      if (!(await this.settleIncidentOnce(id))) return;
    }
    throw new Error(`ingest: ${refOf(id)} did not settle in ${MAX_STEPS} steps`);
  }

  /** One decision on an incident; true when it acted (or raced and should look again). */
  private async settleIncidentOnce(id: number): Promise<boolean> {
    const now = this.deps.clock.now();
    const s = await repo.incidentSnapshot(this.deps.db, id, now);
    if (!s) return false;
    const action = decideIncident(s, now, this.deps.policy);
    if (action.kind === 'none') return false;
    await this.retrying(() => applyIncidentAction(this.actions, s, action));
    return true;
  }

  /** Runs an action; a lost race is not an error, the caller looks again. */
  private async retrying(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (err) {
      if (!isRetryable(err)) throw err;
    }
  }
}
