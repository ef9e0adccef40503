import type { ViewOutput } from '@slack/bolt';
import { z } from 'zod';
import { findBadText } from '../../../common/input';
import { SEVERITIES, STATUSES } from '../../../incidents/incident';
import { INPUT_ACTION, INPUTS, type InputId } from '../../ids';
import { MAX, PRIVATE_OPTION } from '../../views/modals';

/** A submission either parses, or names the blocks to mark with an error (response_action: errors). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: Partial<Record<InputId, string>> };

type Values = ViewOutput['state']['values'];

/** The raw value of each input block, keyed by block id (which is the field name). */
function read(values: Values): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [block, actions] of Object.entries(values)) {
    const v = actions[INPUT_ACTION];
    if (!v) continue;
    if (v.selected_options) out[block] = v.selected_options.map((o) => o.value);
    else if (v.selected_option) out[block] = v.selected_option.value;
    else out[block] = v.value ?? undefined;
  }
  return out;
}

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, { error: `At most ${max} characters` })
    .optional()
    .transform((s) => (s ? s : undefined));
const requiredText = (max: number, missing: string) =>
  z
    .string({ error: missing })
    .trim()
    .min(1, { error: missing })
    .max(max, { error: `At most ${max} characters` });

/** The private checkboxes: true or false when the modal had them, undefined when it did not. */
const privateBox = z
  .array(z.string())
  .optional()
  .transform((v) => (v === undefined ? undefined : v.includes(PRIVATE_OPTION)));

function parse<S extends z.ZodType>(schema: S, values: Values): Parsed<z.output<S>> {
  const raw = read(values);
  const errors: Partial<Record<InputId, string>> = {};
  // NUL and lone surrogates: refused on the field that holds them, before anything else.
  for (const [block, value] of Object.entries(raw)) {
    const bad = value === undefined ? undefined : findBadText(value);
    if (bad && (Object.values(INPUTS) as string[]).includes(block)) {
      errors[block as InputId] = `This field ${bad.problem}; remove it`;
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  for (const issue of result.error.issues) {
    const block = issue.path[0];
    if (typeof block === 'string' && (Object.values(INPUTS) as string[]).includes(block)) {
      errors[block as InputId] ??= issue.message;
    }
  }
  return { ok: false, errors };
}

export function parseDeclare(values: Values, knownServices: readonly string[]) {
  return parse(
    z.object({
      [INPUTS.title]: requiredText(MAX.title, 'Give the incident a title'),
      [INPUTS.severity]: z.enum(SEVERITIES, { error: 'Choose a severity' }),
      [INPUTS.services]: z
        .array(z.string())
        .default([])
        .refine((ids) => ids.every((id) => knownServices.includes(id)), { error: 'Unknown service' }),
      [INPUTS.description]: optionalText(MAX.description),
      [INPUTS.impact]: optionalText(MAX.impact),
      [INPUTS.publicTitle]: optionalText(MAX.publicTitle),
      [INPUTS.private]: privateBox,
    }),
    values,
  );
}

export function parseUpdate(values: Values) {
  return parse(
    z.object({
      [INPUTS.status]: z.enum(
        STATUSES.filter((s) => s !== 'resolved') as ['investigating', 'identified', 'monitoring'],
        {
          error: 'Choose a status',
        },
      ),
      [INPUTS.message]: requiredText(MAX.message, 'Write what changed'),
      [INPUTS.publicMessage]: optionalText(MAX.publicMessage),
      [INPUTS.private]: privateBox,
    }),
    values,
  );
}

export function parseResolve(values: Values) {
  return parse(
    z.object({
      [INPUTS.summary]: requiredText(MAX.summary, 'Say how it was resolved'),
      [INPUTS.rootCause]: optionalText(MAX.rootCause),
      [INPUTS.publicMessage]: optionalText(MAX.publicMessage),
    }),
    values,
  );
}

export function parsePublish(values: Values) {
  return parse(
    z.object({ [INPUTS.publicTitle]: requiredText(MAX.publicTitle, 'Give it a public title') }),
    values,
  );
}
