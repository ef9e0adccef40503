import type { z } from 'zod';

/**
 * Turning zod issues into the `path: message` lines an operator reads. Paths use YAML's own
 * keys and list indexes (`rules[2].notify.channels[0]`), so they can be found in the file.
 */

/** `['rules', 2, 'notify']` → `rules[2].notify`; the empty path is `(root)`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out === '' ? '(root)' : out;
}

/** How a YAML value is described in "got …" (never the value itself). */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'true/false';
  return `a ${typeof value}`;
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

type RawIssue = z.core.$ZodRawIssue;

const plural = (n: number | bigint, one: string, many = `${one}s`): string =>
  `${n} ${Number(n) === 1 ? one : many}`;

/**
 * Per-parse zod error map for the issues no field message covers. Field-level messages (in
 * `fields.ts`) take precedence over this. Values are not echoed here: the field may be secret.
 */
export function genericMessage(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${kindOf(issue.input)}`;
    case 'too_small': {
      const at = issue.inclusive === false ? 'more than' : 'at least';
      if (issue.origin === 'array') {
        return `must have ${at} ${plural(issue.minimum, 'entry', 'entries')}`;
      }
      if (issue.origin === 'string') {
        return issue.minimum === 1
          ? 'must not be empty'
          : `must be ${at} ${plural(issue.minimum, 'character')}`;
      }
      return `must be ${at} ${String(issue.minimum)}`;
    }
    case 'too_big': {
      const at = issue.inclusive === false ? 'less than' : 'at most';
      if (issue.origin === 'array') return `must have ${at} ${plural(issue.maximum, 'entry', 'entries')}`;
      if (issue.origin === 'string') return `must be ${at} ${plural(issue.maximum, 'character')}`;
      return `must be ${at} ${String(issue.maximum)}`;
    }
    case 'invalid_union':
      return 'does not match any allowed form';
    default:
      return undefined;
  }
}

/** One issue → one or more `path: message` lines (an unknown-keys issue names each key). */
export function formatIssue(issue: z.core.$ZodIssue): string[] {
  const at = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`);
  }
  return [`${at}: ${issue.message}`];
}
