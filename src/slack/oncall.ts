import type { DateTime } from 'luxon';
import type { HeraldFile } from '../config';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import type { OverridesBySchedule } from '../escalation/policy';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { whoIsOnCall } from '../escalation/schedule';
import type { OnCallEntry } from './views/summary';

/**
 * Who is on call now, per configured schedule, with the names and Slack IDs config knows: the
 * answer to `/incident oncall` and the App Home's "On call now". The rotation logic is the
 * escalation module's (`whoIsOnCall`, with the runtime overrides); this only looks people up.
 */
export function onCallNow(
  file: HeraldFile,
  at: DateTime,
  overrides: OverridesBySchedule = {},
): OnCallEntry[] {
  const people = new Map(file.people.map((p) => [p.id, p]));
  return file.schedules.map((schedule) => ({
    schedule: schedule.name,
    people: whoIsOnCall(schedule, at, overrides[schedule.id] ?? []).map((id) => {
      const person = people.get(id);
      return {
        name: person?.name ?? id,
        ...(person?.slackUserId ? { slackUserId: person.slackUserId } : {}),
      };
    }),
  }));
}
