import type { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import type { Database, Trx } from '../db/schema';
import type { Clock } from '../common/clock';
import { HeraldError, notFound, validation } from '../common/errors';
import { notifyChange } from './listener';
import { toMaintenance } from './snapshot';
import { maintenanceState, type Maintenance, type MaintenanceState } from './status';

export interface ScheduleMaintenanceInput {
  readonly title: string;
  readonly components: readonly string[];
  readonly startsAt: DateTime;
  readonly endsAt: DateTime;
  readonly message?: string;
}

export interface MaintenanceWithState extends Maintenance {
  readonly ref: string;
  readonly state: MaintenanceState;
}

/** Windows longer than this are almost certainly a typo in a date. */
export const MAX_WINDOW_DAYS = 31;

export const maintenanceRef = (id: number): string => `MNT-${id}`;

/** Parses `MNT-3`, `mnt-3` or `3`. */
export function parseMaintenanceRef(input: string): number {
  const m = /^(?:MNT-)?(\d{1,9})$/i.exec(input.trim());
  if (!m) throw validation(`"${input.slice(0, 40)}" is not a maintenance reference (expected MNT-<number>)`);
  return Number(m[1]);
}

/**
 * Scheduled maintenance: the one place that writes `status_maintenances`, used by the REST API
 * and by Slack (`/incident maintenance`). Each change is one transaction that also announces
 * itself on the status page's NOTIFY channel, so every web process re-renders.
 */
export class MaintenanceService {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      clock: Clock;
      /** Status page component ids from config. */
      components: ReadonlySet<string>;
      /** Called after each committed change (local cache invalidation). */
      onChange?: () => void;
    },
  ) {}

  async schedule(input: ScheduleMaintenanceInput, actor: string): Promise<MaintenanceWithState> {
    const now = this.deps.clock.now();
    const title = input.title.trim();
    if (!title || title.length > 200)
      throw validation('title: must be 1 to 200 characters', { field: 'title' });
    const unknown = input.components.filter((c) => !this.deps.components.has(c));
    if (unknown.length) {
      throw validation(
        `components: unknown component${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c.slice(0, 60)}"`).join(', ')} (known: ${[...this.deps.components].join(', ') || 'none'})`,
        { field: 'components' },
      );
    }
    if (input.endsAt <= input.startsAt)
      throw validation('ends_at: must be after starts_at', { field: 'ends_at' });
    if (input.endsAt <= now) throw validation('ends_at: must be in the future', { field: 'ends_at' });
    if (input.endsAt.diff(input.startsAt, 'days').days > MAX_WINDOW_DAYS) {
      throw validation(`ends_at: a window may last at most ${MAX_WINDOW_DAYS} days`, { field: 'ends_at' });
    }
    return this.write(async (trx) => {
      const row = await trx
        .insertInto('status_maintenances')
        .values({
          title,
          message: input.message?.trim() ?? '',
          components: [...new Set(input.components)],
          starts_at: input.startsAt.toJSDate(),
          ends_at: input.endsAt.toJSDate(),
          created_by: actor,
          created_at: now.toJSDate(),
          updated_at: now.toJSDate(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toMaintenance(row);
    });
  }

  /** Ends an in-progress window now. */
  async complete(ref: string, _actor: string): Promise<MaintenanceWithState> {
    return this.change(ref, (m, now) => {
      const state = maintenanceState(m, now);
      if (state === 'upcoming') {
        throw new HeraldError(
          'InvalidTransition',
          `${maintenanceRef(m.id)} has not started; cancel it instead`,
        );
      }
      if (state !== 'in_progress')
        throw new HeraldError('InvalidTransition', `${maintenanceRef(m.id)} is already ${state}`);
      return { completed_at: now.toJSDate() };
    });
  }

  /** Withdraws an upcoming or in-progress window; it disappears from the public page. */
  async cancel(ref: string, _actor: string): Promise<MaintenanceWithState> {
    return this.change(ref, (m, now) => {
      const state = maintenanceState(m, now);
      if (state === 'completed' || state === 'cancelled') {
        throw new HeraldError('InvalidTransition', `${maintenanceRef(m.id)} is already ${state}`);
      }
      return { cancelled_at: now.toJSDate() };
    });
  }

  async get(ref: string): Promise<MaintenanceWithState> {
    const id = parseMaintenanceRef(ref);
    const row = await this.deps.db
      .selectFrom('status_maintenances')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound(`no maintenance ${maintenanceRef(id)}`);
    return this.withState(toMaintenance(row));
  }

  /** Newest first. */
  async list(filter: { state?: MaintenanceState; limit: number }): Promise<MaintenanceWithState[]> {
    const now = this.deps.clock.now().toJSDate();
    let q = this.deps.db.selectFrom('status_maintenances').selectAll();
    switch (filter.state) {
      case 'cancelled':
        q = q.where('cancelled_at', 'is not', null);
        break;
      case 'upcoming':
        q = q
          .where('cancelled_at', 'is', null)
          .where('completed_at', 'is', null)
          .where('starts_at', '>', now);
        break;
      case 'in_progress':
        q = q
          .where('cancelled_at', 'is', null)
          .where('completed_at', 'is', null)
          .where('starts_at', '<=', now)
          .where('ends_at', '>', now);
        break;
      case 'completed':
        q = q
          .where('cancelled_at', 'is', null)
          .where((eb) => eb.or([eb('completed_at', 'is not', null), eb('ends_at', '<=', now)]));
        break;
      default:
        break;
    }
    const rows = await q.orderBy('starts_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map((r) => this.withState(toMaintenance(r)));
  }

  private withState(m: Maintenance): MaintenanceWithState {
    return { ...m, ref: maintenanceRef(m.id), state: maintenanceState(m, this.deps.clock.now()) };
  }

  private async change(
    ref: string,
    patch: (m: Maintenance, now: DateTime) => { completed_at?: Date; cancelled_at?: Date },
  ): Promise<MaintenanceWithState> {
    const id = parseMaintenanceRef(ref);
    return this.write(async (trx) => {
      const row = await trx
        .selectFrom('status_maintenances')
        .selectAll()
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw notFound(`no maintenance ${maintenanceRef(id)}`);
      const now = this.deps.clock.now();
      const updated = await trx
        .updateTable('status_maintenances')
        .set({ ...patch(toMaintenance(row), now), updated_at: now.toJSDate() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toMaintenance(updated);
    });
  }

  private async write(fn: (trx: Trx) => Promise<Maintenance>): Promise<MaintenanceWithState> {
    const m = await this.deps.db.transaction().execute(async (trx) => {
      const result = await fn(trx);
      await notifyChange(trx, `maintenance:${result.id}`);
      return result;
    });
    this.deps.onChange?.();
    return this.withState(m);
  }
}
