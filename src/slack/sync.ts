import { DateTime } from 'luxon';
import type { Task } from 'graphile-worker';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { webApi } from '@slack/bolt';
import type { HeraldConfig } from '../config';
import { addJob } from '../db/jobs';
import type { Database, Trx } from '../db/schema';
import { refOf } from '../incidents/incident';
import type { ChangeSubscriber, IncidentService } from '../incidents/incident.service';
import type { Clock } from '../common/clock';
import { isHeraldError } from '../common/errors';
import { rateLimitedFor } from './client';
import { mrkdwn } from './mrkdwn';
import * as repo from './repository';
import { serviceNames } from './views/format';
import { incidentMessage } from './views/incident-message';
import { threadLine } from './views/thread-line';

/**
 * Keeping the incident message in the incidents channel current. The subscriber runs inside the
 * incident's transaction: it stores the event's thread line and enqueues one sync job keyed per
 * incident (replace mode, ~1 s ahead), so a burst of changes becomes one chat.update while every
 * thread line survives as a row. Jobs run in one queue per channel: one Slack writer per channel,
 * in order, which respects Slack's ~1 message/s per channel and never posts the message twice.
 * A 429 is waited out on the injected clock: the job records Slack's Retry-After as the message's
 * `not_before` and ends; the module's tick (`releaseDueSyncs`) enqueues it again once that time
 * has come, so every change made meanwhile goes out in the one sync that follows.
 */
export const SYNC_TASK = 'slack.incident_message';
export const syncJobKey = (incidentId: number): string => `slack:incident-message:${incidentId}`;
const queueFor = (channel: string): string => `slack:${channel}`;

/** Edits within this window coalesce into one chat.update. */
const COALESCE_MS = 1000;

/**
 * The coalescing moment is graphile-worker's `run_at`, which its database compares with real
 * time. Waiting out Slack's Retry-After is a due time like any retry, on the injected clock.
 */
const wallClock = (): DateTime => DateTime.utc();

/** Enqueues the sync job that edits the message and posts pending thread lines. */
async function enqueueSync(
  trx: Trx,
  channel: string,
  incidentId: number,
  runAt: Date | undefined,
): Promise<void> {
  await addJob(
    trx,
    SYNC_TASK,
    { incidentId },
    { jobKey: syncJobKey(incidentId), queueName: queueFor(channel), runAt, maxAttempts: 10 },
  );
}

/**
 * A line in the incident's thread that is not a timeline event (an escalation reminder), in the
 * caller's transaction. `text` is plain text; it is escaped here.
 */
export function threadNote(channel: string) {
  return async (trx: Trx, incidentId: number, text: string, at: DateTime): Promise<void> => {
    await repo.insertThreadLine(trx, { incidentId, eventId: null, text: mrkdwn(text), at });
    await enqueueSync(trx, channel, incidentId, wallClock().plus({ milliseconds: COALESCE_MS }).toJSDate());
  };
}

export function syncSubscriber(channel: string): ChangeSubscriber {
  return async (trx, { incident, event }) => {
    const line = threadLine(incident, event);
    if (line !== null) {
      await repo.insertThreadLine(trx, {
        incidentId: incident.id,
        eventId: event.id,
        text: line,
        at: event.at,
      });
    }
    // The declaration is posted at once; later edits wait a moment to coalesce.
    const runAt =
      event.kind === 'declared' ? undefined : wallClock().plus({ milliseconds: COALESCE_MS }).toJSDate();
    await enqueueSync(trx, channel, incident.id, runAt);
  };
}

const payload = z.object({ incidentId: z.number().int().positive() });

export interface SyncDeps {
  db: Kysely<Database>;
  incidents: IncidentService;
  client: webApi.WebClient;
  config: HeraldConfig;
  clock: Clock;
  /** The incidents channel; a message already posted stays in the channel it was posted to. */
  channel: string | undefined;
}

/**
 * The sync job: posts the message (first run) or edits it when the incident changed since the
 * last render, then posts pending thread lines in order. A 429 records Slack's Retry-After as the
 * message's `not_before` (injected clock) and ends the job: the wait is a due time, not a failure,
 * and `releaseDueSyncs` enqueues the job again when it has passed. A run that starts before that
 * time (a change made meanwhile) does nothing: the release will carry its change too. Any other
 * error fails the job, and graphile-worker retries it with backoff.
 */
export function syncTask(deps: SyncDeps): Task {
  return async (raw) => {
    const { incidentId } = payload.parse(raw);
    const incident = await deps.incidents.get(refOf(incidentId)).catch((err: unknown) => {
      if (isHeraldError(err) && err.code === 'NotFound') return null; // deleted since: nothing to show
      throw err;
    });
    if (!incident) return;
    const existing = await repo.findMessage(deps.db, incidentId);
    const channel = existing?.channel ?? deps.channel;
    if (!channel) return;
    const now = deps.clock.now();
    const row = await repo.messageRow(deps.db, incidentId, channel, now);
    if (row.notBefore && row.notBefore.getTime() > now.toMillis()) return;

    try {
      await sync(deps, incident, row);
    } catch (err) {
      const seconds = rateLimitedFor(err);
      if (seconds === undefined) throw err;
      const until = deps.clock.now().plus({ seconds: Math.max(1, seconds) });
      await repo.recordNotBefore(deps.db, incidentId, until);
    }
  };
}

/**
 * The Slack module's clock-driven work: incident messages whose Retry-After has passed get their
 * sync job again (run now), their wait cleared in the same transaction. Returns how many.
 */
export function releaseDueSyncs(db: Kysely<Database>, clock: Clock): () => Promise<number> {
  return () =>
    db.transaction().execute(async (trx) => {
      const due = await repo.releaseDueWaits(trx, clock.now());
      for (const m of due) await enqueueSync(trx, m.channel, m.incidentId, undefined);
      return due.length;
    });
}

async function sync(
  deps: SyncDeps,
  incident: import('../incidents/incident').Incident,
  row: repo.MessageRow,
): Promise<void> {
  const { client, db } = deps;
  const message = incidentMessage(incident, {
    now: deps.clock.now(),
    serviceNames: serviceNames(deps.config, incident.services),
  });
  let ts = row.ts;
  if (ts === null) {
    const posted = await client.chat.postMessage({
      channel: row.channel,
      text: message.text,
      attachments: message.attachments,
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!posted.ts) throw new Error('chat.postMessage answered without a ts');
    ts = posted.ts;
    await repo.recordRendered(db, incident.id, { ts, version: incident.version }, deps.clock.now());
  } else if (row.renderedVersion !== incident.version) {
    await client.chat.update({
      channel: row.channel,
      ts,
      text: message.text,
      attachments: message.attachments,
    });
    await repo.recordRendered(db, incident.id, { ts, version: incident.version }, deps.clock.now());
  }
  for (const line of await repo.pendingLines(db, incident.id)) {
    const posted = await client.chat.postMessage({
      channel: row.channel,
      thread_ts: ts,
      text: line.text,
      unfurl_links: false,
      unfurl_media: false,
    });
    await repo.markLinePosted(db, line.id, posted.ts ?? ts);
  }
}
