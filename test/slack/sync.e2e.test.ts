import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CHANNEL, isIncidentMessage, startSlackHarness, textOf, type SlackHarness } from './support';

/**
 * The incident message job: coalesced edits, thread lines that survive coalescing, and Slack's
 * 429 turned into a wait for Retry-After (on Herald's clock, released by the Slack module's tick).
 * test/faults/slack-429.test.ts runs a minute of 429s on a fast-forwarded clock.
 */
let h: SlackHarness;
beforeAll(async () => {
  // No notification rules: every Slack call recorded here is the incident message job's own.
  const example = YAML.parse(fs.readFileSync(path.resolve(__dirname, '../../herald.example.yml'), 'utf8'));
  h = await startSlackHarness({ configYaml: YAML.stringify({ ...example, rules: [] }) });
});
afterAll(async () => h?.close());

const lines = (): string[] =>
  h.fake.calls
    .filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts)
    .map((c) => String(c.args.text));

async function settled(ref: string): Promise<void> {
  // The message is posted and its ts stored: later changes edit it.
  const id = Number(ref.replace('INC-', ''));
  const deadline = Date.now() + 5000;
  while (
    !(
      await h.db.db
        .selectFrom('slack_incident_messages')
        .select('ts')
        .where('incident_id', '=', id)
        .executeTakeFirst()
    )?.ts
  ) {
    if (Date.now() > deadline) throw new Error(`${ref} never posted`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('changes within a second become one chat.update, and every thread line is posted once, in order', async () => {
  const inc = await h.herald.incidents.declare(
    { title: 'Coalesce me', severity: 'high', services: ['api'] },
    'api',
  );
  await h.fake.waitFor((c) => c.some((x) => isIncidentMessage(x) && textOf(x).includes('Coalesce me')));
  await settled(inc.ref);
  const updatesBefore = h.fake.callsTo('chat.update').length;

  await h.herald.incidents.update(inc.ref, { message: 'first' }, 'api:ci');
  await h.herald.incidents.update(inc.ref, { message: 'second', status: 'identified' }, 'api:ci');
  await h.herald.incidents.acknowledge(inc.ref, 'slack:U0BOB0001');

  await h.fake.waitFor(() => lines().some((l) => l.includes('Acknowledged by <@U0BOB0001>')));
  const mine = lines().filter((l) => /first|second|U0BOB0001/.test(l));
  expect(mine).toEqual([
    ':memo: Update from ci (API): first',
    ':memo: Update from ci (API) (status Investigating → Identified): second',
    ':eyes: Acknowledged by <@U0BOB0001>',
  ]);
  const edits = h.fake.callsTo('chat.update').slice(updatesBefore);
  expect(edits).toHaveLength(1);
  expect(textOf(edits[0])).toContain('Identified');
  expect(textOf(edits[0])).toContain('<@U0BOB0001>');
});

test('a 429 makes the job wait for Retry-After; the retry edits once and loses no thread line', async () => {
  const inc = await h.herald.incidents.declare(
    { title: 'Rate limited', severity: 'medium', services: [] },
    'api',
  );
  await h.fake.waitFor((c) => c.some((x) => isIncidentMessage(x) && textOf(x).includes('Rate limited')));
  await settled(inc.ref);
  const before = h.fake.callsTo('chat.update').length;

  h.fake.fail('chat.update', { status: 429, retryAfter: 1 });
  await h.herald.incidents.update(inc.ref, { message: 'after the limit', status: 'monitoring' }, 'api');

  await h.fake.waitFor(() => lines().some((l) => l.includes('after the limit')), 15_000);
  const edits = h.fake.callsTo('chat.update').slice(before);
  expect(edits).toHaveLength(2); // the refused one, then the retry
  expect(edits[1]!.at - edits[0]!.at).toBeGreaterThanOrEqual(1000); // Retry-After honoured
  expect(textOf(edits[1])).toContain('Monitoring');
  expect(lines().filter((l) => l.includes('after the limit'))).toHaveLength(1);
  expect(edits.every((e) => e.args.channel === CHANNEL)).toBe(true);
});

test('a change while Slack is down is not lost: the job retries until Slack answers', async () => {
  const inc = await h.herald.incidents.declare(
    { title: 'Flaky Slack', severity: 'low', services: [] },
    'api',
  );
  await h.fake.waitFor((c) => c.some((x) => isIncidentMessage(x) && textOf(x).includes('Flaky Slack')));
  await settled(inc.ref);
  h.fake.fail('chat.postMessage', { status: 500 });
  await h.herald.incidents.escalate(inc.ref, 'slack:U0CAROL01');
  await h.fake.waitFor(
    () => lines().filter((l) => l.includes('Escalated by <@U0CAROL01>')).length === 2,
    15_000,
  );
  // The first attempt met the 500 (the fake records it); the retry got through. Nothing else posted it.
  await h.fake.waitFor(
    () =>
      h.fake.calls.filter((c) => c.method === 'chat.update' && textOf(c).includes('Flaky Slack')).length >= 1,
  );
  expect(lines().filter((l) => l.includes('Escalated by <@U0CAROL01>'))).toHaveLength(2);
});
