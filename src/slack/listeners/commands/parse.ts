import { textProblem } from '../../../common/input';
import { COMMAND } from '../../ids';
import { mrkdwn } from '../../mrkdwn';

/** What `/incident <text>` asks for. Pure; the listener acts on it. */
export type ParsedCommand =
  | { readonly kind: 'declare'; readonly title: string }
  | {
      readonly kind: 'update' | 'ack' | 'resolve' | 'status' | 'escalate' | 'publish';
      readonly ref: string;
    }
  | { readonly kind: 'list' | 'oncall' | 'help' }
  | { readonly kind: 'override'; readonly schedule: string; readonly person: string; readonly hours: number }
  | {
      readonly kind: 'maintenance';
      readonly components: readonly string[];
      readonly start: string;
      readonly hours: number;
      readonly title: string;
    }
  | { readonly kind: 'usage'; readonly problem: string };

const WITH_REF = {
  update: 'update',
  ack: 'ack',
  acknowledge: 'ack',
  resolve: 'resolve',
  status: 'status',
  escalate: 'escalate',
  publish: 'publish',
} as const;
const REF = /^(?:INC-)?(\d{1,9})$/i;

/**
 * Parses the command text. `/incident` alone and `/incident declare [title]` declare; commands
 * that act on an incident need its reference (`INC-7`, `inc-7` or `7`); anything else is usage
 * help with the reason.
 */
export function parseCommand(text: string): ParsedCommand {
  const problem = textProblem(text);
  if (problem) return { kind: 'usage', problem: `The command text ${problem}.` };
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'declare', title: '' };
  const [word = '', ...rest] = trimmed.split(/\s+/);
  const sub = word.toLowerCase();
  const args = trimmed.slice(word.length).trim();
  if (sub === 'declare' || sub === 'new') return { kind: 'declare', title: args };
  if (sub === 'oncall' && rest[0]?.toLowerCase() === 'override') return parseOverride(rest.slice(1));
  if (sub === 'maintenance') return parseMaintenance(rest);
  if (sub === 'list' || sub === 'oncall' || sub === 'help') return { kind: sub };
  if (sub in WITH_REF) {
    const kind = WITH_REF[sub as keyof typeof WITH_REF];
    const ref = rest[0];
    if (ref === undefined)
      return {
        kind: 'usage',
        problem: `\`${kind}\` needs an incident reference, like \`${COMMAND} ${kind} INC-7\`.`,
      };
    const m = REF.exec(ref);
    if (!m)
      return {
        kind: 'usage',
        problem: `“${mrkdwn(ref, 40)}” is not an incident reference (expected INC-<number>).`,
      };
    return { kind, ref: `INC-${Number(m[1])}` };
  }
  return { kind: 'usage', problem: `Unknown subcommand “${mrkdwn(word, 40)}”.` };
}

const OVERRIDE_USAGE = `\`${COMMAND} oncall override <schedule> <person> <hours>h\`, like \`${COMMAND} oncall override primary carol 4h\``;

/** `oncall override <schedule> <person id | @mention> <N>h`: someone covers a schedule for N hours from now. */
function parseOverride(args: string[]): ParsedCommand {
  const [schedule, who, duration, ...extra] = args;
  const hours = /^(\d{1,3})h$/i.exec(duration ?? '');
  if (!schedule || !who || !hours || extra.length > 0)
    return { kind: 'usage', problem: `Usage: ${OVERRIDE_USAGE}.` };
  const n = Number(hours[1]);
  if (n < 1 || n > 168) return { kind: 'usage', problem: 'An override lasts from 1 to 168 hours.' };
  // An escaped mention arrives as <@U123|name>; keep the user id.
  const mention = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(who);
  return {
    kind: 'override',
    schedule: schedule.toLowerCase(),
    person: mention?.[1] ?? who.replace(/^@/, '').toLowerCase(),
    hours: n,
  };
}

const MAINTENANCE_USAGE = `\`${COMMAND} maintenance <component[,component]> <now|YYYY-MM-DDTHH:MMZ> <hours>h <title>\``;

/** `maintenance api,checkout 2026-12-05T22:00Z 2h Database upgrade`: schedule a window. */
function parseMaintenance(args: string[]): ParsedCommand {
  const [components, start, duration, ...title] = args;
  const hours = /^(\d{1,3})h$/i.exec(duration ?? '');
  if (!components || !start || !hours || title.length === 0) {
    return { kind: 'usage', problem: `Usage: ${MAINTENANCE_USAGE}.` };
  }
  return {
    kind: 'maintenance',
    components: components.toLowerCase().split(',').filter(Boolean),
    start,
    hours: Number(hours[1]),
    title: title.join(' '),
  };
}

/** The help text (mrkdwn). */
export function usageText(problem?: string): string {
  const lines = [
    ...(problem ? [`:warning: ${problem}`, ''] : []),
    `*Usage:* \`${COMMAND} <subcommand>\``,
    `• \`${COMMAND}\` or \`${COMMAND} declare [title]\`: declare an incident (opens a form)`,
    `• \`${COMMAND} update INC-7\`: post an update (status, message, public message)`,
    `• \`${COMMAND} ack INC-7\`: acknowledge (stops escalation)`,
    `• \`${COMMAND} resolve INC-7\`: resolve (summary and root cause)`,
    `• \`${COMMAND} escalate INC-7\`: page the next escalation level now`,
    `• \`${COMMAND} publish INC-7\`: put it on the status page (check its public title first)`,
    `• \`${COMMAND} status INC-7\`: show an incident`,
    `• \`${COMMAND} list\`: open incidents`,
    `• \`${COMMAND} oncall\`: who is on call now`,
    `• ${OVERRIDE_USAGE}: cover a schedule from now`,
    `• ${MAINTENANCE_USAGE}: schedule maintenance on the status page`,
    `• \`${COMMAND} help\`: this help`,
  ];
  return lines.join('\n');
}
