import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { Database } from '../db/schema';
import { refOf } from '../incidents/incident';
import type { ChangeSubscriber, IncidentService } from '../incidents/incident.service';
import type { Clock } from '../common/clock';
import { applyGroupAction, applyIncidentAction, type ActionDeps } from './actions';
import * as bind from './binding.repository';
import type { GroupRef } from './binding.repository';
import { guardSubscriber, isRetryable } from './guard';
import { FactsWriter } from './facts-writer';
import { groupKeyOf } from './facts.repository';
import { decideGroup, decideIncident, type FactsPlan } from './grouping';
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
  /** The pool behind `db`: alert facts are written with pipelined statements on its clients. */
  readonly pool: pg.Pool;
  readonly incidents: IncidentService;
  readonly clock: Clock;
  readonly policy: IngestPolicy;
  readonly autoResolve: (integrationId: string) => boolean;
  readonly knownServices: ReadonlySet<string>;
  /** See {@link ActionDeps.publication}. */
  readonly publication?: ActionDeps['publication'];
  /** Fact transactions in flight at once (see FactsWriter); default 2. */
  readonly writeConcurrency?: number;
  /** Told when a group-commit write failed and its requests are written one by one (FactsWriter). */
  readonly onWriteSplit?: (requests: number, err: unknown) => void;
}

/** The request's new alerts, newest first, for a "N more alerts" message about exactly them. */
function newest(plan: FactsPlan): { count: number; summaries: string[] } {
  const fresh = plan.firing.filter((f) => f.change === 'new');
  return {
    count: fresh.length,
    summaries: fresh
      .slice(-3)
      .reverse()
      .map((f) => f.alert.summary),
  };
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
  private readonly writer: FactsWriter;

  constructor(private readonly deps: IngestServiceDeps) {
    this.actions = deps;
    this.writer = new FactsWriter({
      db: deps.db,
      pool: deps.pool,
      clock: deps.clock,
      policy: deps.policy,
      concurrency: deps.writeConcurrency ?? 6,
      maxAlerts: 1000,
      onSplit: deps.onWriteSplit,
    });
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
    return this.mutex.run(groupKeyOf(g), async () => {
      const { plan, group, target } = await this.writer.write(batch);
      const changed = plan.firing.length > 0 || plan.resolved.length > 0;
      // Alerts that joined the open incident: its state came back with the write, so the common
      // case (nothing to announce yet) costs no further query.
      const unbound = plan.firing.length > 0 && !group.incidentOpen;
      const incident = !changed
        ? group.incidentId
        : await this.settleGroup(g, [...plan.deltas.keys()], unbound ? null : target, newest(plan));
      return {
        received: batch.alerts.length,
        new: plan.newCount,
        resolved: plan.resolved.length,
        incident: incident === null ? null : refOf(incident),
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
      await this.mutex.run(groupKeyOf(g), () => this.settleGroup(g, []));
    }
    const incidents = await bind.incidentsNeedingAttention(this.deps.db, limit);
    for (const id of incidents) await this.settleIncident(id);
    return groups.length + incidents.length;
  }

  /**
   * Acts on the group, then on its incident and the others the request touched, until nothing
   * is left to do. `known` is the group's incident state as the facts transaction left it.
   */
  private async settleGroup(
    g: GroupRef,
    touched: readonly number[],
    known: repo.IncidentSnapshot | null = null,
    hint: { count: number; summaries: readonly string[] } = { count: -1, summaries: [] },
  ): Promise<number | null> {
    if (known) {
      const action = decideIncident(known, this.deps.clock.now(), this.deps.policy);
      const only = touched.every((id) => id === known.id);
      if (action.kind === 'none' && only) return known.id;
      const latest = action.kind === 'flush' && action.count === hint.count ? hint.summaries : undefined;
      const done = await this.retrying(() => applyIncidentAction(this.actions, known, action, latest));
      // A flush of exactly this request's alerts leaves nothing else to decide.
      if (done && only && action.kind === 'flush' && latest) return known.id;
    }
    for (let step = 0; step < MAX_STEPS; step++) {
      const now = this.deps.clock.now();
      const snap = await repo.groupSnapshot(this.deps.db, g.integrationId, g.groupKey, now);
      if (!snap) return null;
      const groupAction = decideGroup(snap, now, this.deps.policy);
      if (groupAction.kind !== 'none') {
        await this.retrying(() => applyGroupAction(this.actions, g, snap, groupAction));
        continue;
      }
      const own = snap.incident;
      const action = own ? decideIncident(own, now, this.deps.policy) : ({ kind: 'none' } as const);
      if (own && action.kind !== 'none') {
        await this.retrying(() => applyIncidentAction(this.actions, own, action));
        continue;
      }
      let acted = false;
      for (const id of touched) {
        if (id !== snap.incidentId && (await this.settleIncidentOnce(id))) {
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

  /** Runs an action; false when it lost a race (not an error: the caller looks again). */
  private async retrying(action: () => Promise<void>): Promise<boolean> {
    try {
      await action();
      return true;
    } catch (err) {
      if (!isRetryable(err)) throw err;
      return false;
    }
  }
}
