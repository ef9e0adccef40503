import { randomUUID } from 'node:crypto';
import type { App } from '@slack/bolt';
import type { webApi } from '@slack/bolt';
import { isHeraldError, type HeraldError } from '../common/errors';
import type { Logger } from '../common/logger';
import { decodeMetadata } from './metadata';
import { mrkdwn } from './mrkdwn';
import { respondEphemeral } from './respond';

/** Bolt's extended error handler (the last overload of `App#error`; its type is not exported). */
type ExtendedErrorHandler = Parameters<App['error']>[0];

const EMOJI: Partial<Record<HeraldError['code'], string>> = {
  Forbidden: ':no_entry:',
  NotFound: ':mag:',
};

/** Bolt wraps what listeners throw (UnknownError, AuthorizationError, MultipleListenerError). */
function original(error: unknown): unknown {
  const e = error as { original?: unknown; originals?: unknown[] };
  if (e.originals?.length) return original(e.originals[0]);
  if (e.original !== undefined) return original(e.original);
  return error;
}

/** The person's own words for a coded error, or a reference id for a bug (logged with its stack). */
export function describeError(error: unknown, logger: Logger): string {
  const cause = original(error);
  if (isHeraldError(cause)) return `${EMOJI[cause.code] ?? ':warning:'} ${mrkdwn(cause.message, 1500)}`;
  const reference = randomUUID();
  logger.error({ err: cause, reference }, 'Slack request failed');
  return `:boom: Something went wrong inside Herald (reference \`${reference}\`). Nothing was changed unless you see it in the incident; please tell your Herald admin the reference.`;
}

/** Where an interaction can be answered: its response_url, or the one a modal carries. */
function responseUrlOf(body: Record<string, unknown>): string | undefined {
  if (typeof body.response_url === 'string') return body.response_url;
  const urls = body.response_urls as Array<{ response_url?: string }> | undefined;
  if (urls?.[0]?.response_url) return urls[0].response_url;
  const view = body.view as { private_metadata?: string } | undefined;
  return decodeMetadata(view?.private_metadata).responseUrl;
}

/**
 * The Slack edge's one error boundary (Netflix Dispatch's `bolt.py`): coded errors become an
 * ephemeral message in the person's own terms; anything else is a bug, logged with its stack
 * under a reference id that is all the person sees. Without a response_url (a modal opened from
 * the App Home, an event) the person gets a DM instead, or, for events, only the log. The
 * boundary never throws: it is the last stop.
 */
export function installErrorBoundary(app: App, deps: { logger: Logger; client: webApi.WebClient }): void {
  const handler: ExtendedErrorHandler = async ({ error, body }) => {
    const text = describeError(error, deps.logger);
    const payload = (body ?? {}) as Record<string, unknown>;
    const url = responseUrlOf(payload);
    const user = (payload.user as { id?: string } | undefined)?.id ?? (payload.user_id as string | undefined);
    try {
      if (url) await respondEphemeral(url, { text });
      else if (user && payload.type !== 'event_callback')
        await deps.client.chat.postMessage({ channel: user, text });
    } catch (deliveryError) {
      deps.logger.error({ err: deliveryError }, 'could not tell the Slack user about an error');
    }
  };
  app.error(handler);
}
