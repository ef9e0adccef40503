import { DateTime } from 'luxon';
import { SEVERITIES, type HeraldFile, type Severity } from '../config';
import { HeraldError } from '../common/errors';
import { describeVia, escalationTimeline, policySelection, type PolicySelection } from './policy';

/**
 * `herald who-is-paged`: a dry run of escalation for an imagined incident, printed as a table, so
 * an operator can check a policy change before an incident checks it for them. It uses the same
 * functions as the engine (policy selection, level targets, next step), read from the config
 * only: runtime overrides stored in the database are not shown.
 */

export const WHO_IS_PAGED_USAGE = 'usage: herald who-is-paged --severity S [--service X] [--at ISO-time]';

export interface WhoIsPagedArgs {
  readonly severity: Severity;
  readonly service?: string;
  /** When the imagined incident is declared; the caller's clock when absent. */
  readonly at?: DateTime;
}

const bad = (message: string): HeraldError =>
  new HeraldError('Validation', `${message}\n${WHO_IS_PAGED_USAGE}`);

/**
 * Parses the arguments after `who-is-paged` (`--flag value` or `--flag=value`). Throws a
 * `Validation` HeraldError whose message names the problem and ends with the usage line.
 */
export function parseWhoIsPagedArgs(argv: readonly string[]): WhoIsPagedArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const m = /^--(severity|service|at)(?:=(.*))?$/.exec(arg);
    if (!m) throw bad(arg.startsWith('-') ? `unknown option "${arg}"` : `unexpected argument "${arg}"`);
    const name = m[1] ?? '';
    let value = m[2];
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw bad(`--${name} needs a value`);
      i += 1;
    }
    if (values.has(name)) throw bad(`--${name} given twice`);
    values.set(name, value);
  }
  const severity = values.get('severity');
  if (severity === undefined) throw bad('--severity is required');
  if (!(SEVERITIES as readonly string[]).includes(severity)) {
    throw bad(`unknown severity "${severity}" (expected one of: ${SEVERITIES.join(', ')})`);
  }
  const at = values.get('at');
  let parsedAt: DateTime | undefined;
  if (at !== undefined) {
    parsedAt = DateTime.fromISO(at, { setZone: true });
    if (!/(?:Z|[+-]\d{2}:?\d{2})$/.test(at) || !parsedAt.isValid) {
      throw bad(`--at: expected an ISO date-time with offset like 2026-03-02T10:00:00Z, got "${at}"`);
    }
  }
  const service = values.get('service');
  return {
    severity: severity as Severity,
    ...(service === undefined ? {} : { service }),
    ...(parsedAt === undefined ? {} : { at: parsedAt }),
  };
}

export interface WhoIsPagedQuery {
  readonly severity: Severity;
  readonly service?: string;
  readonly at: DateTime;
}

/** Left-aligned columns separated by two spaces; trailing spaces trimmed. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

function chosenBy(selection: PolicySelection): string {
  const { policy, reason } = selection;
  const name = policy.name === policy.id ? '' : ` (${policy.name})`;
  const by =
    reason.kind === 'rule'
      ? `chosen by rule "${reason.ruleName}" (rules[${reason.ruleIndex}])`
      : `chosen by service "${reason.serviceId}" (no matching rule names a policy)`;
  const runs =
    policy.repeat === 0 ? 'runs once' : `runs ${policy.repeat + 1} times (repeat ${policy.repeat})`;
  return `Escalation policy "${policy.id}"${name}, ${by}; ${runs}.`;
}

/**
 * The dry-run report: which rule or service picked which policy, then one row per person or Slack
 * channel paged, level by level: minute after declaration, due time, level, round, who, channels
 * and through which target. Throws a `Validation` HeraldError for an unknown service.
 */
export function whoIsPaged(file: HeraldFile, query: WhoIsPagedQuery): string {
  const { severity, service, at } = query;
  if (service !== undefined && !file.services.some((s) => s.id === service)) {
    const known = file.services.map((s) => s.id).join(', ') || 'none configured';
    throw new HeraldError('Validation', `unknown service "${service}" (expected one of: ${known})`);
  }
  const when = (t: DateTime): string => t.setZone(at.zone).toFormat('yyyy-MM-dd HH:mm ZZZZ');
  const lines = [
    `Dry run: a ${severity} incident${service === undefined ? '' : ` on service "${service}"`}, declared ${when(at)}.`,
  ];
  const selection = policySelection(file, { severity, services: service === undefined ? [] : [service] });
  if (selection === undefined) {
    const services = service === undefined ? 'no service was given' : `service "${service}" names none`;
    lines.push(
      `No escalation policy: no rule matching a ${severity} declaration names one, and ${services}.`,
      'Notification rules still apply; nothing escalates.',
    );
    return `${lines.join('\n')}\n`;
  }
  const { policy } = selection;
  lines.push(chosenBy(selection));
  const names = new Map(file.people.map((p) => [p.id, p.name]));
  const rounds = policy.repeat + 1;
  const rows: string[][] = [['minute', 'at', 'level', 'round', 'who', 'channels', 'via']];
  for (const step of escalationTimeline(file, policy, at)) {
    const head = [
      String(step.offsetMinutes),
      when(step.at),
      String(step.level),
      `${step.round + 1}/${rounds}`,
    ];
    const { people, slackChannels, emptySchedules } = step.targets;
    for (const p of people) {
      const who = `${names.get(p.personId) ?? p.personId} (${p.personId})`;
      const channels = p.channels.length > 0 ? p.channels.join(', ') : '(no contact channel)';
      rows.push([...head, who, channels, p.via.map(describeVia).join(', ')]);
    }
    for (const channel of slackChannels)
      rows.push([...head, `#${channel}`, 'slack_channel', 'slack_channel target']);
    for (const id of emptySchedules)
      rows.push([...head, '(nobody)', '-', `schedule "${id}" has no one on call`]);
  }
  lines.push('', ...table(rows), '', 'Paging stops as soon as someone acknowledges.');
  if (policy.reminderMinutes !== undefined) {
    lines.push(
      `Once acknowledged, a reminder is posted after ${policy.reminderMinutes} minutes without an update.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
