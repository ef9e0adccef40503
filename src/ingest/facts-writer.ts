import type { Kysely } from 'kysely';
import type pg from 'pg';
import { withPipeline, type Pipeline } from '../db/pipeline';
import type { Database } from '../db/schema';
import type { Clock } from '../common/clock';
import * as facts from './facts.repository';
import type { LockedGroup } from './facts.repository';
import { isDatabaseUnavailable } from '../db/connect';
import { HeraldError } from '../common/errors';
import { isRetryable } from './guard';
import { planFacts, type FactsPlan } from './grouping';
import type { IncidentSnapshot } from './ingest.repository';
import type { AlertBatch, IngestPolicy } from './types';

export interface FactsResult {
  readonly plan: FactsPlan;
  /** The group as it was when its row was locked. */
  readonly group: LockedGroup;
  /** The group's open incident after the write, when its alerts joined it. */
  readonly target: IncidentSnapshot | null;
}

interface Pending {
  readonly batch: AlertBatch;
  resolve(result: FactsResult): void;
  reject(err: unknown): void;
}

/**
 * Group commit for alert facts. A request's alerts are durable when its transaction commits, and
 * a commit waits for PostgreSQL to flush its WAL; one request per transaction makes that wait the
 * ceiling of single-alert traffic. So requests that arrive while transactions are in flight are
 * written together in the next one (three statements whatever their number), and each still gets
 * its answer only after the commit that holds its facts. With no queue a request is written at
 * once: batching adds no delay at low load. Callers guarantee that no two pending batches share a
 * group (the service's per-group lock), so one transaction never locks a group twice.
 */
const BASE_TRANSACTIONS = 2;

export class FactsWriter {
  private readonly queue: Pending[] = [];
  private running = 0;
  /** Alerts in `queue`, kept as it changes (the pump reads it on every write). */
  private queuedAlerts = 0;

  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      /** Fact transactions run on the pool's clients in pipeline mode (see withPipeline). */
      readonly pool: pg.Pool;
      readonly clock: Clock;
      readonly policy: IngestPolicy;
      /**
       * Transactions in flight at once, at most (each holds a pooled connection). Beyond the
       * first two, one starts only for a full transaction's worth of alerts (`maxAlerts`): many
       * small requests go together in few transactions (each commit waits for a WAL flush), and a
       * backlog of large ones is written in parallel.
       */
      readonly concurrency: number;
      /** Alerts per transaction, at most (a single larger request still goes alone). */
      readonly maxAlerts: number;
      /**
       * Told when a transaction of `requests` requests failed and they are being written one by
       * one (see flush); the module logs it, tests count it.
       */
      readonly onSplit?: (requests: number, err: unknown) => void;
    },
  ) {}

  write(batch: AlertBatch): Promise<FactsResult> {
    return new Promise<FactsResult>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.queuedAlerts += batch.alerts.length;
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.running < Math.min(this.deps.concurrency, this.wanted())) {
      const items = this.take();
      this.running++;
      void this.flush(items).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  /** How many transactions the queue calls for: two, plus one per full batch waiting. */
  private wanted(): number {
    return BASE_TRANSACTIONS + Math.floor(this.queuedAlerts / this.deps.maxAlerts);
  }

  private take(): Pending[] {
    const items: Pending[] = [];
    let alerts = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0] as Pending;
      if (items.length > 0 && alerts + next.batch.alerts.length > this.deps.maxAlerts) break;
      items.push(next);
      alerts += next.batch.alerts.length;
      this.queue.shift();
      this.queuedAlerts -= next.batch.alerts.length;
    }
    return items;
  }

  /**
   * Writes the items; every one is settled (resolved or rejected) when this returns. When a
   * transaction of several requests fails for a reason other than the database being unreachable
   * (one request's data the database refuses, say), each request is written again on its own, so
   * only the one at fault fails: a poisoned request must not take its neighbours down with it.
   * An outage fails them all at once, as retrying one by one would only add load to a database
   * that is not there (their callers answer 503 with Retry-After).
   */
  private async flush(items: Pending[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const results = await withPipeline(this.deps.pool, this.deps.db, (p) => this.writeAll(p, items));
        items.forEach((item, i) => item.resolve(results[i] as FactsResult));
        return;
      } catch (err) {
        if (attempt < 3 && isRetryable(err)) continue;
        if (items.length > 1 && !isDatabaseUnavailable(err)) {
          this.deps.onSplit?.(items.length, err);
          for (const item of items) await this.flush([item]);
          return;
        }
        for (const item of items) item.reject(refusedData(err) ?? err);
        return;
      }
    }
  }

  /** Two round trips: begin, lock and read; then write and commit. */
  private async writeAll(p: Pipeline, items: Pending[]): Promise<FactsResult[]> {
    const now = this.deps.clock.now();
    const batches = items.map((x) => x.batch);
    const [, groups, known] = await Promise.all([
      p.begin(),
      facts.lockGroups(p, batches, now),
      facts.knownAlerts(p, batches),
    ]);
    const planned = batches.map((batch) => {
      const key = facts.groupKeyOf(batch);
      const group = groups.get(key) ?? { incidentId: null, incidentOpen: false };
      const target = group.incidentOpen ? group.incidentId : null;
      const plan = planFacts(known.get(key) ?? new Map(), batch, target, now, this.deps.policy);
      return { batch, plan, target, group };
    });
    const [states] = await Promise.all([facts.writeFacts(p, planned, now), p.commit()]);
    return planned.map(({ plan, group, target }) => ({
      plan,
      group,
      target: target === null ? null : (states.get(target) ?? null),
    }));
  }
}

/**
 * A request's own data refused by PostgreSQL (SQLSTATE class 22, data exception: a character the
 * encoding cannot hold, a value out of range) as the caller's error (400), with PostgreSQL's
 * message, which names the problem and carries no secret. Anything else stays as it is (a bug:
 * 500 with a reference).
 */
function refusedData(err: unknown): HeraldError | undefined {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !code.startsWith('22')) return undefined;
  return new HeraldError('Validation', `alert refused by the database: ${String(message).slice(0, 300)}`);
}
