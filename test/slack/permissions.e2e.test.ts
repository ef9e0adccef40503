import fs from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../../src/common/clock';
import { ACTIONS, CALLBACKS, INPUTS } from '../../src/slack/ids';
import { PRIVATE_OPTION } from '../../src/slack/views/modals';
import {
  buttonBody,
  checkboxes,
  choice,
  commandBody,
  input,
  openedView,
  postSigned,
  startSlackHarness,
  submissionBody,
  type SlackHarness,
} from './support';

/**
 * `slack.permissions` for every action, through the real Bolt receiver with signed requests.
 * The example config, with `update: [platform, U0DANA001]` and `acknowledge: [platform]`, and
 * Carol (business audience, not in platform) covering the primary schedule now. `override`,
 * `maintenance` and `publish` keep their defaults: the services' owners (platform) plus whoever
 * is on call (Carol).
 */
const ALICE = 'U0ALICE01'; // platform: owner of every service
const CAROL = 'U0CAROL01'; // on call now (config override)
const DANA = 'U0DANA001'; // may update and resolve; neither owner nor on call
const STRANGER = 'U0STRANGER'; // named nowhere in the config

const clock = new ManualClock('2026-03-10T12:00:00Z');
const yaml = fs
  .readFileSync(path.resolve(__dirname, '../../herald.example.yml'), 'utf8')
  .replace(/^ {4}update: \[everyone\].*$/m, '    update: [platform, U0DANA001]')
  .replace(/^ {4}acknowledge: \[everyone\].*$/m, '    acknowledge: [platform]')
  .replace(
    /^ {6}- \{ person: bob, start: '2026-02-01T09:00:00Z', end: '2026-02-02T09:00:00Z' \}$/m,
    "      - { person: carol, start: '2026-03-10T00:00:00Z', end: '2026-03-11T00:00:00Z' }",
  );

let h: SlackHarness;
let alertRef: string;
beforeAll(async () => {
  expect(yaml).toContain('acknowledge: [platform]');
  expect(yaml).toContain('person: carol');
  h = await startSlackHarness({ configYaml: yaml, clock });
  await h.herald.incidents.declare(
    { title: 'Website slow', severity: 'medium', services: ['website'] },
    'api',
  );
  const fromAlert = await h.herald.incidents.declare(
    {
      title: 'PostgresDown (cluster=billing-prod-eu, instance=10.20.3.4:5432)',
      severity: 'high',
      services: ['checkout'],
      source: 'alert',
      publicTitle: 'Service disruption: Checkout',
    },
    'alert:prometheus',
  );
  alertRef = fromAlert.ref;
});
afterAll(async () => h?.close());

let n = 0;
async function answer(id: string): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = h.fake.responses.filter((r) => r.id === id);
    if (found.length) return JSON.stringify(found.map((r) => r.body));
    if (Date.now() > deadline) throw new Error(`no answer on response_url ${id}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
async function command(text: string, user: string): Promise<string> {
  const id = `perm-cmd-${++n}`;
  const res = await postSigned(h.events, commandBody(text, user, h.responseUrl(id)));
  expect(res.status).toBe(200);
  return answer(id);
}
async function click(actionId: string, ref: string, user: string): Promise<string> {
  const id = `perm-click-${++n}`;
  const res = await postSigned(h.events, buttonBody(actionId, ref, user, h.responseUrl(id)));
  expect(res.status).toBe(200);
  return answer(id);
}
const db = () => h.herald.connection.db;
const count = async (table: 'oncall_overrides' | 'status_maintenances' | 'incident_events') =>
  Number(
    (
      await db()
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('someone named nowhere in the config', () => {
  test.each([
    ['update INC-1', '“update” permission'],
    ['ack INC-1', '“acknowledge” permission'],
    ['oncall override primary dana 168h', '“override” permission'],
    [
      'maintenance checkout now 2h Emergency maintenance, log in at https://evil.example',
      '“maintenance” permission',
    ],
    ['publish INC-2', '“publish” permission'],
  ])(
    '/incident %s is refused ephemerally, naming what is missing, and changes nothing',
    async (text, needs) => {
      const before = await Promise.all([
        count('oncall_overrides'),
        count('status_maintenances'),
        count('incident_events'),
      ]);
      const opened = h.fake.callsTo('views.open').length;
      const reply = await command(text, STRANGER);
      expect(reply).toContain('"response_type":"ephemeral"');
      expect(reply).toContain('You are not allowed to');
      expect(reply).toContain(needs);
      expect(h.fake.callsTo('views.open').length).toBe(opened);
      expect(
        await Promise.all([
          count('oncall_overrides'),
          count('status_maintenances'),
          count('incident_events'),
        ]),
      ).toEqual(before);
    },
  );

  test.each([
    [ACTIONS.update, 'INC-1', '“update” permission'],
    [ACTIONS.acknowledge, 'INC-1', '“acknowledge” permission'],
    [ACTIONS.publish, 'INC-2', '“publish” permission'],
  ])('the %s button is refused ephemerally and opens nothing', async (action, ref, needs) => {
    const opened = h.fake.callsTo('views.open').length;
    const events = await count('incident_events');
    const reply = await click(action, ref, STRANGER);
    expect(reply).toContain('"response_type":"ephemeral"');
    expect(reply).toContain(needs);
    expect(h.fake.callsTo('views.open').length).toBe(opened);
    expect(await count('incident_events')).toBe(events);
    expect(await h.herald.incidents.get(ref)).toMatchObject({ acknowledgedAt: null });
    expect((await h.herald.incidents.get(alertRef)).published).toBe(false);
  });

  test('a forged publish submission publishes nothing', async () => {
    const res = await postSigned(
      h.events,
      submissionBody(
        { callback_id: CALLBACKS.publish, private_metadata: JSON.stringify({ ref: alertRef }) },
        STRANGER,
        { [INPUTS.publicTitle]: input('Log in again at https://evil.example') },
      ),
    );
    expect(res.status).toBe(200);
    expect(await h.herald.incidents.get(alertRef)).toMatchObject({
      published: false,
      publicTitle: 'Service disruption: Checkout',
    });
  });
});

describe('defaults: owners and whoever is on call', () => {
  test('the on-call person may override (not in any group); someone neither owner nor on call may not', async () => {
    expect(await command('oncall override primary dana 2h', DANA)).toContain('“override” permission');
    expect(await count('oncall_overrides')).toBe(0);
    expect(await command('oncall override primary alice 2h', CAROL)).toMatch(
      /Alice Example is on call for primary/,
    );
    const rows = await db().selectFrom('oncall_overrides').selectAll().execute();
    expect(rows).toMatchObject([
      { schedule_id: 'primary', person_id: 'alice', created_by: `slack:${CAROL}` },
    ]);
  });

  test('the owners may schedule maintenance', async () => {
    expect(await command('maintenance website now 1h CDN switch', DANA)).toContain(
      '“maintenance” permission',
    );
    expect(await command('maintenance website now 1h CDN switch', ALICE)).toContain('Scheduled MNT-');
    expect(await count('status_maintenances')).toBe(1);
  });
});

describe('publish', () => {
  test('a public message on an update needs publish: refused on its field, the update not posted', async () => {
    const events = await count('incident_events');
    const submit = (values: Parameters<typeof submissionBody>[2]) =>
      postSigned(
        h.events,
        submissionBody(
          { callback_id: CALLBACKS.update, private_metadata: JSON.stringify({ ref: 'INC-1' }) },
          DANA,
          values,
        ),
      );
    const refused = await submit({
      [INPUTS.status]: choice('identified'),
      [INPUTS.message]: input('cdn misconfigured'),
      [INPUTS.publicMessage]: input('Reset your password at https://evil.example'),
    });
    expect(refused.json).toEqual({
      response_action: 'errors',
      errors: { [INPUTS.publicMessage]: expect.stringContaining('Needs the “publish” permission') },
    });
    expect(await count('incident_events')).toBe(events);

    // Without the public message, Dana may update (update: [platform, U0DANA001]).
    const ok = await submit({
      [INPUTS.status]: choice('identified'),
      [INPUTS.message]: input('cdn misconfigured'),
    });
    expect(ok.json).toBeUndefined();
    expect((await h.herald.incidents.get('INC-1')).status).toBe('identified');
  });

  test('a public message on a resolve needs publish too', async () => {
    const res = await postSigned(
      h.events,
      submissionBody(
        { callback_id: CALLBACKS.resolve, private_metadata: JSON.stringify({ ref: 'INC-1' }) },
        DANA,
        {
          [INPUTS.summary]: input('rolled back'),
          [INPUTS.publicMessage]: input('All good, see https://evil.example'),
        },
      ),
    );
    expect(res.json).toMatchObject({
      response_action: 'errors',
      errors: { [INPUTS.publicMessage]: expect.any(String) },
    });
    expect((await h.herald.incidents.get('INC-1')).status).not.toBe('resolved');
  });

  test('unticking Private needs publish; ticking it does not', async () => {
    const submit = (user: string, ticked: boolean) =>
      postSigned(
        h.events,
        submissionBody(
          { callback_id: CALLBACKS.update, private_metadata: JSON.stringify({ ref: 'INC-1' }) },
          user,
          {
            [INPUTS.status]: choice('identified'),
            [INPUTS.message]: input(ticked ? 'hiding it' : 'showing it'),
            [INPUTS.private]: ticked ? checkboxes(PRIVATE_OPTION) : checkboxes(),
          },
        ),
      );
    expect((await submit(DANA, true)).json).toBeUndefined();
    expect((await h.herald.incidents.get('INC-1')).private).toBe(true);
    expect((await submit(DANA, false)).json).toMatchObject({
      response_action: 'errors',
      errors: { [INPUTS.private]: expect.stringContaining('publish') },
    });
    expect((await h.herald.incidents.get('INC-1')).private).toBe(true);
    expect((await submit(ALICE, false)).json).toBeUndefined();
    expect((await h.herald.incidents.get('INC-1')).private).toBe(false);
  });

  test('the Publish button opens the public-title form for an owner, and its submission publishes', async () => {
    const id = `perm-publish-${++n}`;
    const res = await postSigned(h.events, buttonBody(ACTIONS.publish, alertRef, ALICE, h.responseUrl(id)));
    expect(res.status).toBe(200);
    await h.fake.waitFor((calls) =>
      calls.some(
        (c) => c.method === 'views.open' && c.args.trigger_id === `trig-${ACTIONS.publish}-${ALICE}`,
      ),
    );
    const view = openedView(h.fake.callsTo('views.open').at(-1));
    expect(view.callback_id).toBe(CALLBACKS.publish);
    expect(JSON.stringify(view.blocks)).toContain('Service disruption: Checkout'); // suggested, editable

    const submitted = await postSigned(
      h.events,
      submissionBody(view, ALICE, { [INPUTS.publicTitle]: input('Payments are failing') }),
    );
    expect(submitted.json).toBeUndefined();
    expect(await h.herald.incidents.get(alertRef)).toMatchObject({
      published: true,
      publicTitle: 'Payments are failing',
      publishedBy: `slack:${ALICE}`,
    });
    expect(await answer(id)).toContain('is on the status page as “Payments are failing”');
  });

  test('someone who may declare but not publish declares an incident that is not public yet', async () => {
    const res = await postSigned(
      h.events,
      submissionBody({ callback_id: CALLBACKS.declare }, STRANGER, {
        [INPUTS.title]: input('Checkout down, details at https://evil.example'),
        [INPUTS.severity]: choice('critical'),
      }),
    );
    expect(res.json).toBeUndefined();
    const [latest] = await h.herald.incidents.list({ limit: 1 });
    expect(latest).toMatchObject({
      title: expect.stringContaining('evil.example'),
      published: false,
      private: false,
    });
  });
});
