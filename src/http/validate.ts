import type { z } from 'zod';
import { HeraldError } from '../common/errors';

/** Renders zod issues as `path: message` lines, the same shape config errors use. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const path = i.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

/** Parses untrusted input at an edge; a failure is a Validation error naming each bad field. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, what = 'body'): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new HeraldError('Validation', `invalid ${what}: ${formatIssues(result.error.issues)}`, {
      issues: result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    });
  }
  return result.data;
}
