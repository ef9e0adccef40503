import { DateTime } from 'luxon';
import type { EscalationLevel, HeraldFile } from '../config';
import { levelTargets, reachesNobody, type LevelTargets } from './policy';
import { changePoints } from './schedule';

/**
 * Coverage: does every escalation level reach someone at every moment of the coming days? A level
 * of schedules only (say, a restricted "business hours" layer with nobody behind it) can page no
 * one at night, and nobody finds out until an incident goes unanswered. `herald config check`
 * prints these warnings.
 *
 * The check evaluates each level only where its answer can change (handoffs, restrict-window edges,
 * layer starts, overrides of its schedules), so 14 days cost a few hundred evaluations per level.
 */

interface Gap {
  readonly start: DateTime;
  readonly end: DateTime;
  readonly targets: LevelTargets;
}

/** Instants in [from, to) at which a level's targets may change. */
function levelPoints(file: HeraldFile, level: EscalationLevel, from: DateTime, to: DateTime): number[] {
  const points = new Set([from.toMillis()]);
  for (const target of level.targets) {
    if (!('schedule' in target)) continue;
    const schedule = file.schedules.find((s) => s.id === target.schedule);
    if (schedule) for (const at of changePoints(schedule, from, to)) points.add(at.toMillis());
  }
  return [...points].sort((a, b) => a - b);
}

function gapsOf(
  file: HeraldFile,
  policyIndex: number,
  levelIndex: number,
  from: DateTime,
  to: DateTime,
): Gap[] {
  const policy = file.escalationPolicies[policyIndex];
  const level = policy?.levels[levelIndex];
  if (policy === undefined || level === undefined) return [];
  const points = levelPoints(file, level, from, to);
  const gaps: Gap[] = [];
  let open: { start: number; targets: LevelTargets } | undefined;
  points.forEach((ms, i) => {
    const targets = levelTargets(file, policy, levelIndex, DateTime.fromMillis(ms, { zone: 'utc' }));
    const nobody = reachesNobody(targets);
    if (nobody && open === undefined) open = { start: ms, targets };
    const next = points[i + 1] ?? to.toMillis();
    const closes = !nobody || next === to.toMillis();
    if (open !== undefined && closes) {
      const end = nobody ? next : ms;
      gaps.push({
        start: DateTime.fromMillis(open.start, { zone: 'utc' }),
        end: DateTime.fromMillis(end, { zone: 'utc' }),
        targets: open.targets,
      });
      open = undefined;
    }
  });
  return gaps;
}

/** `on 2026-12-05 18:00–09:00 Europe/London` for a gap under a day, else `from … to …`. */
function describeGap(gap: Gap, zone: string): string {
  const start = gap.start.setZone(zone);
  const end = gap.end.setZone(zone);
  if (end.diff(start, 'hours').hours < 24) {
    return `on ${start.toFormat('yyyy-MM-dd HH:mm')}–${end.toFormat('HH:mm')} ${zone}`;
  }
  return `from ${start.toFormat('yyyy-MM-dd HH:mm')} to ${end.toFormat('yyyy-MM-dd HH:mm')} ${zone}`;
}

function why(file: HeraldFile, targets: LevelTargets): string {
  const reasons = targets.emptySchedules.map((id) => `schedule "${id}" has no one on call`);
  const unreachable = targets.people.filter((p) => p.channels.length === 0).map((p) => `"${p.personId}"`);
  if (unreachable.length > 0) reasons.push(`no contact channel for ${unreachable.join(', ')}`);
  return reasons.length > 0 ? reasons.join('; ') : 'no target resolves to anyone';
}

/**
 * Warnings, one per policy level that reaches nobody at some moment in `[from, from + days)`:
 * `escalation_policies[0].levels[1]: resolves to nobody on 2026-12-05 18:00–09:00 Europe/London
 * (schedule "primary" has no one on call)`, plus `and N more times until …` when it recurs.
 * Times are shown in the zone of the level's first schedule (UTC when it has none). Runtime
 * overrides are not considered: they live in the database, and the check is offline.
 */
export function coverageWarnings(file: HeraldFile, from: DateTime, days = 14): string[] {
  const to = from.plus({ days });
  const warnings: string[] = [];
  file.escalationPolicies.forEach((policy, i) =>
    policy.levels.forEach((level, j) => {
      const gaps = gapsOf(file, i, j, from, to);
      const first = gaps[0];
      const last = gaps[gaps.length - 1];
      if (first === undefined || last === undefined) return;
      const scheduleId = level.targets.flatMap((t) => ('schedule' in t ? [t.schedule] : []))[0];
      const zone = file.schedules.find((s) => s.id === scheduleId)?.timezone ?? 'UTC';
      const more =
        gaps.length > 1
          ? ` and ${gaps.length - 1} more time${gaps.length > 2 ? 's' : ''} until ${last.end.setZone(zone).toFormat('yyyy-MM-dd HH:mm')}`
          : '';
      warnings.push(
        `escalation_policies[${i}].levels[${j}]: resolves to nobody ${describeGap(first, zone)}${more} (${why(file, first.targets)})`,
      );
    }),
  );
  return warnings;
}
