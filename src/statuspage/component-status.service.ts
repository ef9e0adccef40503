import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { parseRef, refOf } from '../incidents/incident';
import type { Clock } from '../common/clock';
import { notFound, validation } from '../common/errors';
import { notifyChange } from './listener';
import type { IncidentComponentStatus } from './status';

/**
 * Explicit component statuses for one incident ("checkout: partial outage"), winning over the
 * status its severity implies while it is open. `null` removes an override. The incident itself is
 * only read (to check that it exists); it is never written here.
 */
export class ComponentStatusService {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      clock: Clock;
      components: ReadonlySet<string>;
      onChange?: () => void;
    },
  ) {}

  async set(
    ref: string,
    statuses: Readonly<Record<string, IncidentComponentStatus | null>>,
    actor: string,
  ): Promise<Record<string, IncidentComponentStatus>> {
    const id = parseRef(ref);
    const unknown = Object.keys(statuses).filter((c) => !this.deps.components.has(c));
    if (unknown.length) {
      throw validation(
        `components: unknown component${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c.slice(0, 60)}"`).join(', ')} (known: ${[...this.deps.components].join(', ') || 'none'})`,
        { field: 'components' },
      );
    }
    const now = this.deps.clock.now().toJSDate();
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const incident = await trx.selectFrom('incidents').select('id').where('id', '=', id).executeTakeFirst();
      if (!incident) throw notFound(`no incident ${refOf(id)}`);
      for (const [component, status] of Object.entries(statuses)) {
        if (status === null) {
          await trx
            .deleteFrom('status_component_overrides')
            .where('incident_id', '=', id)
            .where('component_id', '=', component)
            .execute();
        } else {
          await trx
            .insertInto('status_component_overrides')
            .values({ incident_id: id, component_id: component, status, set_by: actor, set_at: now })
            .onConflict((oc) =>
              oc.columns(['incident_id', 'component_id']).doUpdateSet({ status, set_by: actor, set_at: now }),
            )
            .execute();
        }
      }
      await notifyChange(trx, `components:${id}`);
      return this.read(trx, id);
    });
    this.deps.onChange?.();
    return result;
  }

  async get(ref: string): Promise<Record<string, IncidentComponentStatus>> {
    return this.read(this.deps.db, parseRef(ref));
  }

  private async read(db: Kysely<Database>, id: number): Promise<Record<string, IncidentComponentStatus>> {
    const rows = await db
      .selectFrom('status_component_overrides')
      .select(['component_id', 'status'])
      .where('incident_id', '=', id)
      .orderBy('component_id')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.component_id, r.status as IncidentComponentStatus]));
  }
}
