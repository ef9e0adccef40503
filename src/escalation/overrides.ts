import type { DateTime } from 'luxon';
import type { HeraldFile, ScheduleOverride } from '../config';
import type { Db } from '../db/schema';
import { HeraldError } from '../common/errors';
import type { OverridesBySchedule } from './policy';

/**
 * On-call overrides made at run time (Slack `/incident oncall override`, the API), stored beside
 * the config's own. Both edges call `createOverride`, so the checks are the same everywhere.
 */
export interface NewOverride {
  scheduleId: string;
  personId: string;
  start: DateTime;
  end: DateTime;
  createdBy: string;
}

export interface StoredOverride extends NewOverride {
  id: number;
}

export async function createOverride(
  db: Db,
  file: HeraldFile,
  o: NewOverride,
  now: DateTime,
): Promise<StoredOverride> {
  if (!file.schedules.some((s) => s.id === o.scheduleId)) {
    throw new HeraldError(
      'NotFound',
      `no schedule "${o.scheduleId.slice(0, 64)}" (known: ${file.schedules.map((s) => s.id).join(', ') || 'none'})`,
    );
  }
  if (!file.people.some((p) => p.id === o.personId)) {
    throw new HeraldError('Validation', `person: unknown person "${o.personId.slice(0, 64)}"`);
  }
  if (o.end <= o.start) throw new HeraldError('Validation', 'end: must be after start');
  if (o.end <= now) throw new HeraldError('Validation', 'end: must be in the future');
  const row = await db
    .insertInto('oncall_overrides')
    .values({
      schedule_id: o.scheduleId,
      person_id: o.personId,
      start_at: o.start.toJSDate(),
      end_at: o.end.toJSDate(),
      created_by: o.createdBy,
      created_at: now.toJSDate(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ...o, id: row.id };
}

/** Runtime overrides in force at `at` or starting within a day of it, by schedule. */
export async function activeOverrides(db: Db, at: DateTime): Promise<OverridesBySchedule> {
  const rows = await db
    .selectFrom('oncall_overrides')
    .selectAll()
    .where('end_at', '>', at.toJSDate())
    .where('start_at', '<=', at.plus({ days: 1 }).toJSDate())
    .orderBy('id')
    .execute();
  const out: Record<string, ScheduleOverride[]> = {};
  for (const r of rows) {
    (out[r.schedule_id] ??= []).push({
      person: r.person_id,
      start: r.start_at.toISOString(),
      end: r.end_at.toISOString(),
    });
  }
  return out;
}
