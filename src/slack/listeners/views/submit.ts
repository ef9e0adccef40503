import type { AckFn, ViewResponseAction } from '@slack/bolt';
import { isHeraldError } from '../../../common/errors';
import { INPUTS, type InputId } from '../../ids';

/** What a submission handler decides: errors to show on fields, or work to do once the modal closed. */
export type Outcome = { errors: Partial<Record<InputId, string>> } | { after?: () => Promise<void> };

const FIELD_TO_BLOCK: Readonly<Record<string, InputId>> = {
  title: INPUTS.title,
  severity: INPUTS.severity,
  services: INPUTS.services,
  description: INPUTS.description,
  impact: INPUTS.impact,
  status: INPUTS.status,
  message: INPUTS.message,
  publicMessage: INPUTS.publicMessage,
  public_message: INPUTS.publicMessage,
  summary: INPUTS.summary,
  rootCause: INPUTS.rootCause,
  root_cause: INPUTS.rootCause,
  publicTitle: INPUTS.publicTitle,
  public_title: INPUTS.publicTitle,
};

/**
 * Runs a view_submission handler and answers Slack exactly once, within its 3 seconds: with
 * `response_action: 'errors'` on the right block for field errors (the form's own, or a service
 * Validation error naming a field in the modal), else with a plain ack that closes the modal.
 * Any other error closes the modal and goes on to the error boundary, which tells the person
 * ephemerally.
 */
export async function submit(
  ack: AckFn<ViewResponseAction> | AckFn<void>,
  present: readonly InputId[],
  handle: () => Promise<Outcome>,
): Promise<void> {
  const answer = ack as AckFn<ViewResponseAction | void>;
  let outcome: Outcome;
  try {
    outcome = await handle();
  } catch (err) {
    const field = isHeraldError(err) && err.code === 'Validation' ? err.details?.field : undefined;
    const block = typeof field === 'string' ? FIELD_TO_BLOCK[field] : undefined;
    if (block && present.includes(block)) {
      await answer({ response_action: 'errors', errors: { [block]: (err as Error).message.slice(0, 150) } });
      return;
    }
    await answer();
    throw err;
  }
  if ('errors' in outcome) {
    await answer({ response_action: 'errors', errors: outcome.errors as Record<string, string> });
    return;
  }
  await answer();
  await outcome.after?.();
}
