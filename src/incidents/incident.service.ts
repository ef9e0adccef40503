import type { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import type { Database, Trx } from '../db/schema';
import type { Clock } from '../common/clock';
import { HeraldError } from '../common/errors';
import {
  assertCanAcknowledge,
  assertCanEscalate,
  assertCanReopen,
  assertTransition,
  diff,
  parseRef,
  type Incident,
  type OpenStatus,
  type TimelineEvent,
} from './incident';
import * as repo from './incident.repository';
import type {
  AckOptions,
  AckResult,
  DeclareInput,
  PublishInput,
  PublishResult,
  ResolveInput,
  UpdateInput,
} from './inputs';

/** Callers import the inputs from here, with the service. */
export type * from './inputs';

/**
 * What subscribers receive, inside the transaction that made the change: notification planning,
 * Slack message refresh and status-page invalidation hook in here without touching this service.
 * A subscriber that throws rolls the whole change back, so a change never exists without its
 * follow-up work (deliveries, jobs).
 */
export interface IncidentChange {
  readonly incident: Incident;
  readonly previous: Incident | null;
  readonly event: TimelineEvent;
  /** What the caller passed as {@link ChangeOptions.context}, for its own subscriber. */
  readonly context?: object;
}

/** Options of a change made through the service. */
export interface ChangeOptions {
  /**
   * Handed to every subscriber as `change.context`. A module that changes incidents and also
   * subscribes to changes uses it to recognise its own change inside the transaction (ingest runs
   * its checks there). Other subscribers ignore it.
   */
  readonly context?: object;
}
export type ChangeSubscriber = (trx: Trx, change: IncidentChange) => Promise<void>;

export interface IncidentServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** Service ids from config; when non-empty, incidents may only name these. */
  knownServices?: ReadonlySet<string>;
  subscribers?: readonly ChangeSubscriber[];
}

/** Every incident mutation goes through here; each is one transaction with its timeline event. */
export class IncidentService {
  private readonly subscribers: ChangeSubscriber[];

  constructor(private readonly deps: IncidentServiceDeps) {
    this.subscribers = [...(deps.subscribers ?? [])];
  }

  /** Adds a subscriber (used by the composition root as later modules come up). */
  subscribe(subscriber: ChangeSubscriber): void {
    this.subscribers.push(subscriber);
  }

  async declare(input: DeclareInput, actor: string, options: ChangeOptions = {}): Promise<Incident> {
    this.checkServices(input.services);
    return this.deps.db.transaction().execute(async (trx) => {
      const now = this.deps.clock.now();
      const isPrivate = input.private ?? false;
      const published = !isPrivate && (input.published ?? input.source !== 'alert');
      const incident = await repo.insertIncident(trx, {
        title: input.title,
        public_title: input.publicTitle ?? input.title,
        published,
        published_at: published ? now.toJSDate() : null,
        published_by: published ? actor : null,
        private: isPrivate,
        description: input.description ?? '',
        severity: input.severity,
        status: 'investigating',
        services: [...input.services],
        impact: input.impact ?? '',
        commander: input.commander ?? null,
        started_at: (input.startedAt ?? now).toJSDate(),
        created_by: actor,
        source: input.source ?? 'api',
        created_at: now.toJSDate(),
        updated_at: now.toJSDate(),
      });
      const event = await repo.insertEvent(trx, {
        incidentId: incident.id,
        at: now,
        actor,
        kind: 'declared',
        message: input.description || null,
      });
      await this.announce(trx, { incident, previous: null, event, context: options.context });
      return incident;
    });
  }

  async update(
    ref: string,
    input: UpdateInput,
    actor: string,
    options: ChangeOptions = {},
  ): Promise<Incident> {
    if (input.status === 'resolved') {
      return this.resolve(
        ref,
        { summary: input.message, publicMessage: input.publicMessage },
        actor,
        options,
      );
    }
    if (input.services) this.checkServices(input.services);
    return this.mutate(ref, options, async (trx, before, now) => {
      const statusChanged = input.status !== undefined && input.status !== before.status;
      if (statusChanged) assertTransition(before.status, input.status as OpenStatus);
      const fields = {
        status: input.status,
        severity: input.severity,
        title: input.title,
        description: input.description,
        impact: input.impact,
        services: input.services ? [...input.services] : undefined,
        commander: input.commander,
        publicTitle: input.publicTitle,
        private: input.private,
      };
      const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      const changes = diff(before as unknown as Record<string, unknown>, defined);
      const { publicTitle, ...columns } = defined;
      const incident = await repo.updateIncident(trx, before.id, {
        ...columns,
        ...(publicTitle !== undefined ? { public_title: publicTitle as string } : {}),
        updated_at: now.toJSDate(),
      });
      const event = await repo.insertEvent(trx, {
        incidentId: before.id,
        at: now,
        actor,
        kind: statusChanged ? 'status_changed' : 'updated',
        changes,
        message: input.message,
        publicMessage: input.publicMessage ?? null,
      });
      return { incident, event };
    });
  }

  /**
   * Puts the incident on the public surfaces under its public title (optionally a new one). A
   * private incident may be published but stays hidden while private. Idempotent: publishing it
   * again under the same title changes nothing and records nothing.
   */
  async publish(ref: string, input: PublishInput, actor: string): Promise<PublishResult> {
    let changed = false;
    const incident = await this.mutate(ref, {}, async (trx, before, now) => {
      const publicTitle = input.publicTitle ?? before.publicTitle;
      if (before.published && publicTitle === before.publicTitle) return { incident: before };
      changed = true;
      const incident = await repo.updateIncident(trx, before.id, {
        public_title: publicTitle,
        ...(before.published ? {} : { published: true, published_at: now.toJSDate(), published_by: actor }),
        updated_at: now.toJSDate(),
      });
      const event = await repo.insertEvent(trx, {
        incidentId: before.id,
        at: now,
        actor,
        kind: 'updated',
        changes: diff(before as unknown as Record<string, unknown>, { published: true, publicTitle }),
        message: `Published on the status page as “${publicTitle}”${incident.private ? ' (hidden while private)' : ''}`,
      });
      return { incident, event };
    });
    return { incident, changed };
  }

  async acknowledge(ref: string, actor: string, options: AckOptions = {}): Promise<AckResult> {
    let changed = false;
    const incident = await this.mutate(ref, {}, async (trx, before, now) => {
      assertCanAcknowledge(before);
      await options.check?.(trx, before);
      if (before.acknowledgedAt) return { incident: before }; // idempotent: one acknowledgement
      changed = true;
      const incident = await repo.updateIncident(trx, before.id, {
        acknowledged_by: actor,
        acknowledged_at: now.toJSDate(),
        updated_at: now.toJSDate(),
      });
      const event = await repo.insertEvent(trx, {
        incidentId: before.id,
        at: now,
        actor,
        kind: 'acknowledged',
        changes: [{ field: 'acknowledged_by', from: null, to: actor }],
      });
      return { incident, event };
    });
    return { incident, changed };
  }

  async resolve(
    ref: string,
    input: ResolveInput,
    actor: string,
    options: ChangeOptions = {},
  ): Promise<Incident> {
    return this.mutate(ref, options, async (trx, before, now) => {
      assertTransition(before.status, 'resolved');
      const incident = await repo.updateIncident(trx, before.id, {
        status: 'resolved',
        resolved_at: now.toJSDate(),
        updated_at: now.toJSDate(),
        ...(input.rootCause !== undefined ? { root_cause: input.rootCause } : {}),
        ...(input.resolutionSteps !== undefined ? { resolution_steps: input.resolutionSteps } : {}),
      });
      const event = await repo.insertEvent(trx, {
        incidentId: before.id,
        at: now,
        actor,
        kind: 'resolved',
        changes: diff(before as unknown as Record<string, unknown>, {
          status: 'resolved',
          rootCause: incident.rootCause,
          resolutionSteps: incident.resolutionSteps,
        }),
        message: input.summary ?? null,
        publicMessage: input.publicMessage ?? null,
      });
      return { incident, event };
    });
  }

  async reopen(ref: string, actor: string, message?: string, options: ChangeOptions = {}): Promise<Incident> {
    return this.mutate(ref, options, async (trx, before, now) => {
      assertCanReopen(before);
      // Acknowledgement is cleared so that escalation starts again for the reopened incident.
      const incident = await repo.updateIncident(trx, before.id, {
        status: 'investigating',
        resolved_at: null,
        acknowledged_by: null,
        acknowledged_at: null,
        updated_at: now.toJSDate(),
      });
      const event = await repo.insertEvent(trx, {
        incidentId: before.id,
        at: now,
        actor,
        kind: 'reopened',
        changes: diff(before as unknown as Record<string, unknown>, { status: 'investigating' }),
        message: message ?? null,
      });
      return { incident, event };
    });
  }

  /**
   * Records an escalation; the escalation engine subscribes to the event and pages the next
   * level. The engine's timer passes its own transaction (`within`) so that checking the timer
   * and escalating commit together: a level can never fire twice or be lost.
   */
  async escalate(ref: string, actor: string, message?: string, within?: Trx): Promise<Incident> {
    return this.mutate(
      ref,
      {},
      async (trx, before, now) => {
        assertCanEscalate(before);
        const incident = await repo.updateIncident(trx, before.id, { updated_at: now.toJSDate() });
        const event = await repo.insertEvent(trx, {
          incidentId: before.id,
          at: now,
          actor,
          kind: 'escalated',
          message: message ?? null,
        });
        return { incident, event };
      },
      within,
    );
  }

  async get(ref: string): Promise<Incident> {
    return repo.findIncident(this.deps.db, parseRef(ref));
  }

  async timeline(ref: string): Promise<{ incident: Incident; events: TimelineEvent[] }> {
    const incident = await this.get(ref);
    return { incident, events: await repo.timeline(this.deps.db, incident.id) };
  }

  async list(filter: repo.ListFilter): Promise<Incident[]> {
    return repo.listIncidents(this.deps.db, filter);
  }

  /**
   * Locks the incident, applies the change, and publishes the event, all in one transaction. A
   * change that returns no event (an idempotent no-op) publishes nothing.
   */
  private async mutate(
    ref: string,
    options: ChangeOptions,
    apply: (
      trx: Trx,
      before: Incident,
      now: DateTime,
    ) => Promise<{ incident: Incident; event?: TimelineEvent }>,
    within?: Trx,
  ): Promise<Incident> {
    const id = parseRef(ref);
    const work = async (trx: Trx): Promise<Incident> => {
      const before = await repo.lockIncident(trx, id);
      const { incident, event } = await apply(trx, before, this.deps.clock.now());
      if (event) await this.announce(trx, { incident, previous: before, event, context: options.context });
      return incident;
    };
    return within ? work(within) : this.deps.db.transaction().execute(work);
  }

  private async announce(trx: Trx, change: IncidentChange): Promise<void> {
    for (const subscriber of this.subscribers) await subscriber(trx, change);
  }

  private checkServices(services: readonly string[]): void {
    const known = this.deps.knownServices;
    if (!known || known.size === 0) return;
    const unknown = services.filter((s) => !known.has(s));
    if (unknown.length > 0) {
      throw new HeraldError(
        'Validation',
        `unknown service${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => `"${s.slice(0, 60)}"`).join(', ')} (known: ${[...known].join(', ')})`,
        { field: 'services' },
      );
    }
  }
}
