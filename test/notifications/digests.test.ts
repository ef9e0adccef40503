import { DateTime } from 'luxon';
import { parseConfigText } from '../../src/config';
import type { RunningHerald } from '../../src/main';
import { dueDigests } from '../../src/notifications/digests';
import { ManualClock } from '../../src/common/clock';
import { FakeSlack } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';

const yaml = `
organization: { name: Acme }
services: [{ id: checkout, name: Checkout }]
people:
  - { id: eve, name: Eve, slack_user_id: U0EVE, audience: executive, timezone: Europe/London, digest_at: '08:30' }
  - { id: ned, name: Ned, slack_user_id: U0NED, audience: executive, timezone: America/New_York, digest_at: '08:30' }
  - { id: tia, name: Tia, slack_user_id: U0TIA, audience: technical, digest_at: '08:30' }
`;
const file = parseConfigText(yaml, {}, 'digest.yml').file;
const at = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });

describe('dueDigests (pure)', () => {
  it('is due at digest_at in each executive’s own timezone, for the day before', () => {
    expect(dueDigests(file, at('2026-12-01T08:29:00Z'))).toEqual([]);
    const london = dueDigests(file, at('2026-12-01T08:30:00Z'));
    expect(london.map((d) => [d.person.id, d.day, d.from.toISO(), d.to.toISO()])).toEqual([
      ['eve', '2026-12-01', '2026-11-30T08:30:00.000Z', '2026-12-01T08:30:00.000Z'],
    ]);
    // 08:30 in New York is 13:30 UTC in December; London's is still inside its late window.
    expect(dueDigests(file, at('2026-12-01T13:30:00Z')).map((d) => d.person.id)).toEqual(['eve', 'ned']);
  });

  it('is not due for non-executives, nor after the late window', () => {
    expect(dueDigests(file, at('2026-12-01T20:30:00Z')).map((d) => d.person.id)).toEqual(['ned']);
    expect(dueDigests(file, at('2026-12-01T08:30:00Z')).some((d) => d.person.id === 'tia')).toBe(false);
  });
});

describe('digest delivery', () => {
  const slack = new FakeSlack();
  const clock = new ManualClock('2026-12-01T07:00:00Z');
  let t: TestDatabase;
  let herald: RunningHerald;

  beforeAll(async () => {
    await slack.start();
    t = await createTestDatabase();
    herald = await startTestHerald({
      databaseUrl: t.url,
      clock,
      configYaml: yaml,
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: 'digest-test-secret',
        SLACK_API_URL: slack.apiUrl,
      },
    });
  });
  afterAll(async () => {
    await herald.stop();
    await t.drop();
    await slack.stop();
  });

  it('sends each executive one digest a day as a recorded Slack DM, with the day’s incidents', async () => {
    const inc = await herald.incidents.declare(
      { title: 'Checkout down', severity: 'critical', services: ['checkout'] },
      'api',
    );
    clock.set('2026-12-01T07:40:00Z');
    await herald.incidents.resolve(inc.ref, {}, 'api');

    clock.set('2026-12-01T08:30:00Z');
    await herald.tick();
    await herald.tick(); // a second worker's tick, or the next one: still one digest
    await slack.waitFor((calls) =>
      calls.some((c) => c.method === 'chat.postMessage' && c.args.channel === 'U0EVE'),
    );
    const dms = slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'U0EVE');
    expect(dms).toHaveLength(1);
    const text = JSON.stringify(dms[0]!.args.blocks);
    expect(text).toContain('Checkout');
    expect(text).toContain(inc.ref);
    const rows = await t.db
      .selectFrom('deliveries')
      .select(['recipient_id', 'status', 'rule'])
      .where('rule', '=', 'executive-digest')
      .execute();
    expect(rows).toEqual([{ recipient_id: 'eve', status: 'sent', rule: 'executive-digest' }]);
  });
});
