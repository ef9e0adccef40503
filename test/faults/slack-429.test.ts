import { sql } from 'kysely';
import { DateTime } from 'luxon';
import { addJob } from '../../src/db/jobs';
import { limitKey } from '../../src/notifications/ratelimit';
import { ACTIONS } from '../../src/slack/ids';
import type { AttemptRow, DeliveryRow } from '../../src/notifications/tables';
import { ManualClock } from '../../src/common/clock';
import type { SlackCall } from '../fakes/slack';
import {
  buttonBody,
  CHANNEL,
  isIncidentMessage,
  postSigned,
  startSlackHarness,
  textOf,
  type SlackHarness,
} from '../slack/support';
import { recordFigures } from '../support/figures';
import { fastForward, idle } from './support';

/**
 * Issue #8, fault suite: Slack answering 429 for a minute. The fake Slack Web API answers every
 * call with 429 and Retry-After (the seconds left) for 60 s of injected-clock time, while an
 * incident is declared, acknowledged (with the Slack button), updated four times and resolved.
 * Rules send every change to two people by DM and to the incidents channel. Herald must wait
 * each Retry-After out on the injected clock (the Slack clients retry nothing themselves),
 * coalesce the live message's edits, and lose or repeat no thread line and no delivery.
 */
const clock = new ManualClock(DateTime.utc().startOf('second'));
const T0 = clock.now();
const OUTAGE_ENDS = T0.plus({ seconds: 60 });
const PEOPLE = { ada: 'U0ADA0001', ben: 'U0BEN0001' } as const;

const yaml = `
organization: { name: Acme }
services: [{ id: checkout, name: Checkout }]
people:
  - { id: ada, name: Ada, slack_user_id: ${PEOPLE.ada}, contact_order: [slack] }
  - { id: ben, name: Ben, slack_user_id: ${PEOPLE.ben}, contact_order: [slack] }
rules:
  - name: everything
    notify: { people: [ada, ben], channels: [slack, slack_channel] }
`;

let h: SlackHarness;
beforeAll(async () => {
  h = await startSlackHarness({ configYaml: yaml, clock });
  h.fake.failWith(() =>
    clock.now() < OUTAGE_ENDS
      ? { status: 429, retryAfter: Math.max(1, Math.ceil(OUTAGE_ENDS.diff(clock.now()).as('seconds'))) }
      : undefined,
  );
});
afterAll(async () => h?.close());

const drive = () => ({ clock, db: h.db.db, tick: h.herald.tick, horizonMs: 2_000 });
const inWindow = (c: SlackCall) => c.at < OUTAGE_ENDS.toMillis();
const threadPosts = (calls: SlackCall[]) =>
  calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts);
/** A DM is one call: chat.postMessage to the user ID (no conversations.open first). */
const isDm = (c: SlackCall) =>
  c.method === 'chat.postMessage' && /^[UW]/.test(String(c.args.channel)) && !c.args.thread_ts;
const isChannelPost = (c: SlackCall) =>
  c.method === 'chat.postMessage' && c.args.channel === CHANNEL && !c.args.thread_ts && !isIncidentMessage(c);

test('a minute of 429s: Retry-After waited out on the injected clock, edits coalesced, every line and delivery once', async () => {
  const started = Date.now();
  const { herald, fake, db } = h;
  const changes: DateTime[] = [];
  /**
   * One change at `at` seconds, then a second and a half of clock time for what it started: its
   * deliveries' first attempts (one may be deferred by a second by the channel's rate limit) and
   * the coalesced message sync.
   */
  const change = async <T>(at: number, fn: () => Promise<T>): Promise<T> => {
    clock.set(T0.plus({ seconds: at }));
    changes.push(clock.now());
    const result = await fn();
    await fastForward(drive(), clock.now().plus({ milliseconds: 1_500 }));
    return result;
  };
  const deliveries = (): Promise<DeliveryRow[]> =>
    db.db.selectFrom('deliveries').selectAll().orderBy('id').execute();

  const inc = await change(0, () =>
    herald.incidents.declare(
      { title: 'Checkout is failing', severity: 'critical', services: ['checkout'], impact: 'No orders' },
      'api',
    ),
  );
  // A job and a tick racing for the same delivery (here: the channel post's send job run twice
  // more) while it waits out Retry-After: no call to Slack, and its retry time stands.
  const [post] = (await deliveries()).filter((d) => d.channel === 'slack_channel');
  const callsBefore = fake.calls.length;
  for (let i = 0; i < 2; i++) {
    await addJob(db.db, 'delivery.send', { id: post!.id, key: limitKey('slack_channel', post!.address) });
  }
  await idle(db.db);
  expect(fake.calls.length).toBe(callsBefore);
  const [postNow] = (await deliveries()).filter((d) => d.id === post!.id);
  expect(postNow!.next_attempt_at!.getTime()).toBe(OUTAGE_ENDS.toMillis());

  await change(5, async () => {
    const res = await postSigned(
      h.events,
      buttonBody(ACTIONS.acknowledge, inc.ref, PEOPLE.ada, h.responseUrl('ack')),
    );
    expect(res.status).toBe(200);
    await fake.waitFor(() => fake.responses.some((r) => r.id === 'ack'));
  });
  const statuses = ['identified', 'monitoring', 'monitoring', 'monitoring'] as const;
  for (const [i, status] of statuses.entries()) {
    await change(10 + 10 * i, () =>
      herald.incidents.update(inc.ref, { message: `step ${i + 1}`, status }, 'api:ci'),
    );
  }
  await change(50, () =>
    herald.incidents.resolve(inc.ref, { summary: 'fixed', rootCause: 'a bad deploy' }, 'api:ci'),
  );
  expect(fake.responses.find((r) => r.id === 'ack')?.body.text).toContain(`You acknowledged ${inc.ref}`);

  // During the minute: one call per caller, soon after its change, each refused. The message sync
  // called once (the declaration) and then waited; every delivery tried once and then waited;
  // nothing retried behind Herald's back (no SDK retries, no wall-clock timers).
  const during = fake.calls.filter(inWindow);
  const planned = await deliveries();
  expect(planned).toHaveLength(changes.length * 3); // 2 DMs and a channel post per change
  const notWaiting = planned.filter((d) => d.status !== 'pending' || d.attempts !== 1);
  expect(notWaiting.map((d) => [d.id, d.channel, d.status, d.attempts, d.reason])).toEqual([]);
  expect(during.every((c) => c.status === 429)).toBe(true);
  expect(during.filter(isIncidentMessage)).toHaveLength(1);
  expect(during.filter((c) => c.method === 'chat.update')).toHaveLength(0);
  expect(during.filter((c) => c.method === 'conversations.open')).toHaveLength(0);
  expect(during.filter(isDm)).toHaveLength(changes.length * 2); // one call per DM
  expect(during.filter(isChannelPost)).toHaveLength(changes.length);
  expect(during.filter((c) => c.method === 'auth.test')).toHaveLength(1); // Bolt, for the button
  expect(during).toHaveLength(1 + changes.length * 3 + 1);
  expect(during.every((c) => changes.some((t) => c.at >= t.toMillis() && c.at <= t.toMillis() + 1_500))).toBe(
    true,
  );

  // The message waits for the time Slack gave at the declaration, on the injected clock.
  const waiting = await db.db
    .selectFrom('slack_incident_messages')
    .select(['not_before', 'ts'])
    .where('incident_id', '=', inc.id)
    .executeTakeFirstOrThrow();
  expect(waiting).toEqual({ not_before: OUTAGE_ENDS.toJSDate(), ts: null });

  // Just before Retry-After runs out, ticking changes nothing.
  const before = fake.calls.length;
  await fastForward(drive(), OUTAGE_ENDS.minus({ milliseconds: 1 }));
  expect(fake.calls.length).toBe(before);

  // Slack is back: everything due goes out.
  const ticks = await fastForward(drive());
  await idle(db.db, 2_000);
  const after = fake.calls.slice(before);
  expect(after.every((c) => c.status === 200 && c.error === undefined)).toBe(true);
  expect(after.every((c) => c.at >= OUTAGE_ENDS.toMillis())).toBe(true);

  // Deliveries: all sent at their second attempt, none before its retry time; each DM and channel
  // post arrived exactly once.
  const done = await deliveries();
  const attempts: AttemptRow[] = await db.db
    .selectFrom('delivery_attempts')
    .selectAll()
    .orderBy('delivery_id')
    .orderBy('attempt')
    .execute();
  expect(done.every((d) => d.status === 'sent' && d.attempts === 2)).toBe(true);
  for (const d of done) {
    const [first, second] = attempts.filter((a) => a.delivery_id === d.id);
    expect(first).toMatchObject({ outcome: 'retryable', http_status: 429 });
    // Retry-After (the rest of the minute), not the 1–2 s backoff; and no attempt before it.
    expect(first!.retry_at!.getTime()).toBeGreaterThanOrEqual(OUTAGE_ENDS.toMillis());
    expect(first!.retry_at!.getTime()).toBeLessThan(OUTAGE_ENDS.toMillis() + 1_000);
    expect(second!.started_at.getTime()).toBeGreaterThanOrEqual(first!.retry_at!.getTime());
  }
  const subjects = [
    'declared',
    `acknowledged by ${PEOPLE.ada}`,
    'is now identified',
    'is now monitoring',
    'updated',
    'updated',
    'resolved',
  ]
    .map((what) => `[CRITICAL] ${inc.ref} ${what}: Checkout is failing`)
    .sort();
  for (const user of Object.values(PEOPLE)) {
    const dms = fake.succeeded.filter((c) => isDm(c) && c.args.channel === user);
    expect(dms).toHaveLength(changes.length);
    // One per event, each about its own event (a late message names the status it announced).
    expect(dms.map((c) => String(c.args.text)).sort()).toEqual(subjects);
    expect(new Set(dms.map((c) => JSON.stringify(c.args.blocks))).size).toBe(changes.length);
  }
  const posts = fake.succeeded.filter(isChannelPost);
  expect(posts.map((c) => String(c.args.text)).sort()).toEqual(subjects);
  expect(new Set(posts.map((c) => JSON.stringify(c.args.blocks))).size).toBe(changes.length);

  // The live message: posted once, after the minute, already showing the final state; no edit
  // was needed for the seven changes.
  const messages = fake.succeeded.filter(isIncidentMessage);
  expect(messages).toHaveLength(1);
  expect(textOf(messages[0])).toContain('Resolved');
  expect(textOf(messages[0])).toContain(`<@${PEOPLE.ada}>`);
  const edits = fake.calls.filter((c) => c.method === 'chat.update');
  expect(edits).toHaveLength(0);

  // Thread lines: each stored line posted exactly once, in order, in the message's thread.
  const lines = await db.db
    .selectFrom('slack_thread_lines')
    .select(['text', 'posted_ts'])
    .where('incident_id', '=', inc.id)
    .orderBy('id')
    .execute();
  expect(lines).toHaveLength(changes.length - 1); // the declaration is the message itself
  expect(lines.every((l) => l.posted_ts !== null)).toBe(true);
  const threaded = threadPosts(fake.succeeded);
  expect(threaded.map((c) => c.args.text)).toEqual(lines.map((l) => l.text));
  expect(threaded[0]?.args.text).toBe(`:eyes: Acknowledged by <@${PEOPLE.ada}>`);
  expect(new Set(threaded.map((c) => c.args.thread_ts)).size).toBe(1);

  // Nothing left waiting or failing: the message shows the incident's last version, and no sync
  // job is left (graphile-worker deletes a job once it succeeded).
  const message = await db.db
    .selectFrom('slack_incident_messages')
    .selectAll()
    .where('incident_id', '=', inc.id)
    .executeTakeFirstOrThrow();
  const final = await herald.incidents.get(inc.ref);
  expect(message).toMatchObject({ not_before: null, rendered_version: final.version });
  expect(message.ts).toBe(threaded[0]?.args.thread_ts);
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from graphile_worker.jobs where task_identifier = 'slack.incident_message'`.execute(
    db.db,
  );
  expect(rows[0]?.n).toBe(0);

  recordFigures('slack-429', {
    outageSeconds: 60,
    changes: changes.length,
    callsDuringOutage: during.length,
    callsAfter: after.length,
    incidentMessage: { posts: messages.length, updates: edits.length },
    threadLines: threaded.length,
    deliveries: done.length,
    deliveryAttempts: attempts.length,
    ticks,
    wallSeconds: (Date.now() - started) / 1000,
  });
});
