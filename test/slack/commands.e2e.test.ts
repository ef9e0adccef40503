import { ACTIONS, CALLBACKS, INPUTS } from '../../src/slack/ids';
import {
  buttonBody,
  CHANNEL,
  choice,
  commandBody,
  eventBody,
  input,
  isIncidentMessage,
  openedView,
  postSigned,
  startSlackHarness,
  submissionBody,
  textOf,
  type SlackHarness,
} from './support';

/** Every /incident subcommand, the buttons' refusals, modal errors and the App Home, over HTTP. */
let h: SlackHarness;
beforeAll(async () => {
  h = await startSlackHarness();
  await h.herald.incidents.declare(
    { title: 'Website slow', severity: 'medium', services: ['website'], impact: 'Pages take 10 s' },
    'api',
  );
});
afterAll(async () => h?.close());

const ALICE = 'U0ALICE01';
const CAROL = 'U0CAROL01'; // business audience; not in platform: may not resolve

let n = 0;
/** Runs a command and returns what came back on its response_url. */
async function command(text: string, user = ALICE): Promise<string> {
  const id = `cmd-${++n}`;
  const res = await postSigned(h.events, commandBody(text, user, h.responseUrl(id)));
  expect(res.status).toBe(200);
  return answer(id);
}

async function click(actionId: string, ref: string, user: string): Promise<string> {
  const id = `click-${++n}`;
  const res = await postSigned(h.events, buttonBody(actionId, ref, user, h.responseUrl(id)));
  expect(res.status).toBe(200);
  return answer(id);
}

async function answer(id: string): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = h.fake.responses.filter((r) => r.id === id);
    if (found.length) return JSON.stringify(found.map((r) => r.body));
    if (Date.now() > deadline) throw new Error(`no answer on response_url ${id}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('usage help', () => {
  test.each([
    ['frobnicate', 'Unknown subcommand “frobnicate”'],
    ['ack', '`ack` needs an incident reference'],
    ['resolve', '`resolve` needs an incident reference'],
    ['status INC-abc', 'is not an incident reference'],
    ['help', '*Usage:*'],
    ['ack INC-1\u0000', 'The command text contains a NUL character.'],
    ['declare Checkout\u0000down', 'The command text contains a NUL character.'],
  ])('/incident %j answers ephemerally with usage', async (text, expected) => {
    const res = await postSigned(h.events, commandBody(text, ALICE, h.responseUrl('usage')));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_type: 'ephemeral' });
    const shown = (res.json as { text: string }).text;
    expect(shown).toContain(expected);
    expect(shown).toContain('/incident list');
  });
});

test('list, status and oncall answer ephemerally', async () => {
  expect(await command('list')).toContain('INC-1');
  expect(await command('list')).toContain('Website slow');
  const status = await command('status INC-1');
  expect(status).toContain('ephemeral');
  expect(status).toContain('Pages take 10 s');
  const oncall = await command('oncall');
  expect(oncall).toContain('Primary on-call');
  expect(oncall).toMatch(/<@U0(ALICE01|BOB0001)>/);
});

test('oncall override puts someone on call from now, as oncall then shows', async () => {
  expect(await command('oncall')).not.toContain('<@U0DANA001>');
  const set = await command('oncall override primary <@U0DANA001|dana> 4h', ALICE);
  expect(set).toMatch(/Dana [^"]* is on call for primary until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  expect(await command('oncall')).toContain('<@U0DANA001>');
  const rows = await h.herald.connection.db.selectFrom('oncall_overrides').selectAll().execute();
  expect(rows).toMatchObject([{ schedule_id: 'primary', person_id: 'dana', created_by: 'slack:U0ALICE01' }]);
});

test('oncall override without its arguments answers with usage', async () => {
  const res = await postSigned(
    h.events,
    commandBody('oncall override primary', ALICE, h.responseUrl('ovr-usage')),
  );
  expect((res.json as { text: string }).text).toContain('Usage: `/incident oncall override');
  const tooLong = await postSigned(
    h.events,
    commandBody('oncall override primary dana 500h', ALICE, h.responseUrl('ovr-long')),
  );
  expect((tooLong.json as { text: string }).text).toContain('from 1 to 168 hours');
});

test.each([
  ['oncall override nosuch dana 4h', 'no schedule \\"nosuch\\"'],
  ['oncall override primary nobody 4h', 'unknown person \\"nobody\\"'],
])('/incident %s is refused with the reason and stores nothing', async (text, expected) => {
  const before = await h.herald.connection.db.selectFrom('oncall_overrides').select('id').execute();
  expect(await command(text)).toContain(expected);
  expect(await h.herald.connection.db.selectFrom('oncall_overrides').select('id').execute()).toEqual(before);
});

test('maintenance schedules a window on the status page; bad input is refused with the reason', async () => {
  const ok = await command('maintenance api,checkout now 2h Database upgrade <b>', ALICE);
  expect(ok).toMatch(/Scheduled MNT-\d+: Database upgrade &lt;b&gt; \(in_progress\)/);
  const rows = await h.herald.connection.db.selectFrom('status_maintenances').selectAll().execute();
  expect(rows).toMatchObject([
    { title: 'Database upgrade <b>', components: ['api', 'checkout'], created_by: 'slack:U0ALICE01' },
  ]);
  expect(await command('maintenance nosuch now 2h Oops', ALICE)).toContain('unknown component');
  expect(await command('maintenance api yesterday 2h Oops', ALICE)).toContain('is not a start time');
  const usage = await postSigned(
    h.events,
    commandBody('maintenance api now', ALICE, h.responseUrl('mnt-usage')),
  );
  expect((usage.json as { text: string }).text).toContain('Usage: `/incident maintenance');
  expect(await h.herald.connection.db.selectFrom('status_maintenances').select('id').execute()).toHaveLength(
    1,
  );
});

test('an unknown incident is a NotFound answer, not a failure', async () => {
  expect(await command('status INC-999')).toContain('no incident INC-999');
});

test('ack by command is idempotent and says who acknowledged first', async () => {
  const inc = await h.herald.incidents.declare({ title: 'Ack me', severity: 'low', services: [] }, 'api');
  expect(await command(`ack ${inc.ref}`, ALICE)).toContain(`You acknowledged ${inc.ref}`);
  expect(await command(`ack ${inc.ref}`, CAROL)).toContain(`already acknowledged by <@${ALICE}>`);
  const { events } = await h.herald.incidents.timeline(inc.ref);
  expect(events.filter((e) => e.kind === 'acknowledged')).toHaveLength(1);
});

describe('permissions (herald.example.yml: resolve = [platform, U0DANA001])', () => {
  test('someone outside them is refused ephemerally, by command and by button, and nothing opens', async () => {
    const opened = h.fake.callsTo('views.open').length;
    expect(await command('resolve INC-1', CAROL)).toContain('You are not allowed to resolve incidents');
    expect(await click(ACTIONS.resolve, 'INC-1', CAROL)).toContain(
      'You are not allowed to resolve incidents',
    );
    expect(h.fake.callsTo('views.open').length).toBe(opened);
    expect((await h.herald.incidents.get('INC-1')).status).toBe('investigating');
  });

  test('a forged resolve submission is refused too', async () => {
    const res = await postSigned(
      h.events,
      submissionBody(
        { callback_id: CALLBACKS.resolve, private_metadata: JSON.stringify({ ref: 'INC-1' }) },
        CAROL,
        {
          [INPUTS.summary]: input('done'),
        },
      ),
    );
    expect(res.status).toBe(200);
    expect((await h.herald.incidents.get('INC-1')).status).toBe('investigating');
  });
});

test('escalate button: recorded once, and answered', async () => {
  expect(await click(ACTIONS.escalate, 'INC-1', CAROL)).toContain('Escalated INC-1');
  const { events } = await h.herald.incidents.timeline('INC-1');
  expect(events.filter((e) => e.kind === 'escalated' && e.actor === `slack:${CAROL}`)).toHaveLength(1);
});

test('modal errors are shown on the field they concern', async () => {
  const res = await postSigned(
    h.events,
    submissionBody({ callback_id: CALLBACKS.declare }, ALICE, {
      [INPUTS.title]: input('  '),
      [INPUTS.severity]: choice('critical'),
      [INPUTS.impact]: input('x'.repeat(2001)),
    }),
  );
  expect(res.status).toBe(200);
  expect(res.json).toEqual({
    response_action: 'errors',
    errors: { [INPUTS.title]: 'Give the incident a title', [INPUTS.impact]: 'At most 2000 characters' },
  });
  const update = await postSigned(
    h.events,
    submissionBody(
      { callback_id: CALLBACKS.update, private_metadata: JSON.stringify({ ref: 'INC-1' }) },
      ALICE,
      {
        [INPUTS.status]: choice('identified'),
        [INPUTS.message]: input(null),
      },
    ),
  );
  expect(update.json).toEqual({
    response_action: 'errors',
    errors: { [INPUTS.message]: 'Write what changed' },
  });
});

test('modal fields holding a NUL or a lone surrogate get a field error, and nothing is declared', async () => {
  const before = (await h.herald.incidents.list({ limit: 500 })).length;
  const res = await postSigned(
    h.events,
    submissionBody({ callback_id: CALLBACKS.declare }, ALICE, {
      [INPUTS.title]: input('Checkout\u0000 down'),
      [INPUTS.severity]: choice('critical'),
      [INPUTS.description]: input('fine'),
      [INPUTS.impact]: input('half an emoji \ud83d'),
    }),
  );
  expect(res.status).toBe(200);
  expect(res.json).toEqual({
    response_action: 'errors',
    errors: {
      [INPUTS.title]: 'This field contains a NUL character; remove it',
      [INPUTS.impact]: 'This field contains a lone UTF-16 surrogate (not valid Unicode); remove it',
    },
  });
  expect((await h.herald.incidents.list({ limit: 500 })).length).toBe(before);
});

test('update modal: opened from the button with the current status, submission changes the status', async () => {
  const before = h.fake.callsTo('views.open').length;
  await postSigned(h.events, buttonBody(ACTIONS.update, 'INC-1', ALICE, h.responseUrl('upd')));
  await h.fake.waitFor((c) => c.filter((x) => x.method === 'views.open').length > before);
  const view = openedView(h.fake.callsTo('views.open').at(-1));
  expect(view.callback_id).toBe(CALLBACKS.update);
  expect(JSON.stringify(view.blocks)).toContain(
    '"initial_option":{"text":{"type":"plain_text","text":"Investigating"',
  );
  const res = await postSigned(
    h.events,
    submissionBody(view, ALICE, {
      [INPUTS.status]: choice('identified'),
      [INPUTS.message]: input('Found a bad deploy'),
      [INPUTS.publicMessage]: input('We know what is wrong'),
    }),
  );
  expect(res.status).toBe(200);
  const { incident, events } = await h.herald.incidents.timeline('INC-1');
  expect(incident.status).toBe('identified');
  expect(events.at(-1)).toMatchObject({
    kind: 'status_changed',
    message: 'Found a bad deploy',
    publicMessage: 'We know what is wrong',
  });
  expect(await answer('upd')).toContain('Update posted to INC-1');
});

test('typed markup is harmless all the way to the channel message and the thread', async () => {
  await h.fake.waitFor((c) => c.some((x) => x.method === 'chat.postMessage' && x.args.channel === CHANNEL));
  await postSigned(
    h.events,
    submissionBody({ callback_id: CALLBACKS.declare }, ALICE, {
      [INPUTS.title]: input('<!channel> checkout <https://evil.example|login here>'),
      [INPUTS.severity]: choice('high'),
      [INPUTS.impact]: input('<@U0BOB0001> &lt; *bold*'),
    }),
  );
  await h.fake.waitFor((c) =>
    c.some(
      (x) =>
        x.method === 'chat.postMessage' && isIncidentMessage(x) && String(x.args.text).includes('checkout'),
    ),
  );
  // The live incident message in the channel (DMs to responders carry the same text, escaped too).
  const posted = h.fake
    .callsTo('chat.postMessage')
    .find((x) => isIncidentMessage(x) && String(x.args.text).includes('checkout'));
  const all = `${String(posted?.args.text)} ${textOf(posted)}`;
  // plain_text objects (the header) are shown verbatim by Slack, never parsed: only mrkdwn must be escaped.
  const header =
    /"type":"plain_text","text":"INC-\d+ <!channel> checkout <https:\/\/evil\.example\|login here>"/;
  expect(all).toMatch(header);
  expect(all.replace(header, '')).not.toMatch(/<!channel>|<https:\/\/evil|<@U0BOB0001>/);
  expect(all).toContain('&lt;!channel&gt; checkout &lt;https://evil.example|login here&gt;');
  expect(all).toContain('&lt;@U0BOB0001&gt; &amp;lt; *bold*');
});

test('App Home: open incidents, my acknowledgements, who is on call', async () => {
  const res = await postSigned(
    h.events,
    eventBody({ type: 'app_home_opened', user: ALICE, channel: 'D0HOME', tab: 'home' }),
    {
      headers: { 'content-type': 'application/json' },
    },
  );
  expect(res.status).toBe(200);
  await h.fake.waitFor((c) => c.some((x) => x.method === 'views.publish'));
  const publish = h.fake.callsTo('views.publish').at(-1)!;
  expect(publish.args.user_id).toBe(ALICE);
  const home = JSON.stringify(publish.args.view);
  expect(home).toContain('"type":"home"');
  expect(home).toContain('Open incidents');
  expect(home).toContain('Website slow');
  expect(home).toContain('Your acknowledgements');
  expect(home).toContain('Ack me'); // acknowledged by Alice above
  expect(home).toContain('On call now');
});

test('an unexpected failure shows a reference id, not the error', async () => {
  h.fake.fail('views.open', { status: 500 });
  const shown = await command('declare');
  expect(shown).toMatch(/Something went wrong inside Herald \(reference `[0-9a-f-]{36}`\)/);
  expect(shown).not.toContain('internal_error');
});
