import { ACTIONS, CALLBACKS, INPUTS } from '../../src/slack/ids';
import {
  isIncidentMessage,
  buttonBody,
  buttonsOf,
  CHANNEL,
  choice,
  choices,
  commandBody,
  input,
  openedView,
  postSigned,
  startSlackHarness,
  submissionBody,
  textOf,
  type SlackHarness,
} from './support';

/**
 * The whole Slack flow against the real app: signed requests over HTTP, the real worker, the
 * fake Slack Web API. /incident declare → modal → submission → message with four buttons →
 * Acknowledge (twice, and a retry) → edited message + one thread line → Resolve modal → edited.
 */
let h: SlackHarness;
beforeAll(async () => {
  h = await startSlackHarness();
});
afterAll(async () => h?.close());

const ALICE = 'U0ALICE01'; // in group platform: may resolve (herald.example.yml)

test('declare, acknowledge (idempotently), resolve: the incident message follows every step', async () => {
  const { fake } = h;

  // 1. /incident declare opens the declare modal, title prefilled.
  const cmd = await postSigned(
    h.events,
    commandBody('declare Checkout is failing', ALICE, h.responseUrl('declare')),
  );
  expect(cmd.status).toBe(200);
  await fake.waitFor((c) => c.some((x) => x.method === 'views.open'));
  const declareView = openedView(fake.callsTo('views.open')[0]);
  expect(declareView.callback_id).toBe(CALLBACKS.declare);
  expect(JSON.stringify(declareView.blocks)).toContain('Checkout is failing');
  for (const label of ['Title', 'Severity', 'Services', 'Description', 'Impact']) {
    expect(JSON.stringify(declareView.blocks)).toContain(`"text":"${label}"`);
  }

  // 2. Submitting it declares the incident and closes the modal (empty 200).
  const submitted = await postSigned(
    h.events,
    submissionBody(declareView, ALICE, {
      [INPUTS.title]: input('Checkout is failing'),
      [INPUTS.severity]: choice('critical'),
      [INPUTS.services]: choices('checkout', 'api'),
      [INPUTS.description]: input('5xx from payment gateway'),
      [INPUTS.impact]: input('Customers cannot pay'),
    }),
  );
  expect(submitted.status).toBe(200);
  expect(submitted.text).toBe('');
  const incident = await h.herald.incidents.get('INC-1');
  expect(incident).toMatchObject({
    title: 'Checkout is failing',
    severity: 'critical',
    commander: `slack:${ALICE}`,
  });
  expect([...incident.services].sort()).toEqual(['api', 'checkout']);

  // 3. The worker posts the incident message with the four buttons; the declarer is told where.
  await fake.waitFor((c) => c.some(isIncidentMessage));
  const posted = fake.calls.find(isIncidentMessage);
  expect(buttonsOf(posted)).toEqual([ACTIONS.acknowledge, ACTIONS.update, ACTIONS.resolve, ACTIONS.escalate]);
  expect(textOf(posted)).toContain('Not acknowledged');
  expect(textOf(posted)).toContain('Customers cannot pay');
  await waitForResponse('declare');
  expect(JSON.stringify(fake.responses.find((r) => r.id === 'declare')?.body)).toContain('INC-1');
  const ts = await messageTs();
  expect(ts).toMatch(/^\d+\.\d+$/);

  // 4. Acknowledge: a click, a double click, and a Slack retry of the first request.
  const ack = buttonBody(ACTIONS.acknowledge, 'INC-1', ALICE, h.responseUrl('ack1'));
  const [first, second] = await Promise.all([
    postSigned(h.events, ack),
    postSigned(h.events, buttonBody(ACTIONS.acknowledge, 'INC-1', ALICE, h.responseUrl('ack2'))),
  ]);
  const retry = await postSigned(h.events, ack, {
    headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
  });
  expect([first.status, second.status, retry.status]).toEqual([200, 200, 200]);

  await fake.waitFor((c) => c.some((x) => x.method === 'chat.update' && textOf(x).includes(`<@${ALICE}>`)));
  const { events } = await h.herald.incidents.timeline('INC-1');
  expect(events.filter((e) => e.kind === 'acknowledged')).toHaveLength(1);
  await fake.waitFor((c) => threadLines(c).some((t) => t.includes('Acknowledged by')));
  const update = fake.callsTo('chat.update').at(-1);
  expect(update?.args).toMatchObject({ channel: CHANNEL, ts });
  // One of the two clicks acknowledged; the other was told it already was. The retry said nothing.
  await waitForResponse('ack1');
  await waitForResponse('ack2');
  const answers = ['ack1', 'ack2'].map((id) => JSON.stringify(h.fake.responses.filter((r) => r.id === id)));
  expect(answers.filter((a) => a.includes('You acknowledged'))).toHaveLength(1);
  expect(answers.filter((a) => a.includes('already acknowledged'))).toHaveLength(1);
  expect(h.fake.responses.filter((r) => r.id === 'ack1')).toHaveLength(1);

  // 5. Resolve: the button opens the resolve modal; its submission resolves; the message is edited.
  await postSigned(h.events, buttonBody(ACTIONS.resolve, 'INC-1', ALICE, h.responseUrl('resolve')));
  await fake.waitFor((c) => c.filter((x) => x.method === 'views.open').length === 2);
  const resolveView = openedView(fake.callsTo('views.open')[1]);
  expect(resolveView.callback_id).toBe(CALLBACKS.resolve);
  const resolved = await postSigned(
    h.events,
    submissionBody(resolveView, ALICE, {
      [INPUTS.summary]: input('Rolled back the gateway client'),
      [INPUTS.rootCause]: input('Expired TLS certificate'),
    }),
  );
  expect(resolved.status).toBe(200);
  expect((await h.herald.incidents.get('INC-1')).status).toBe('resolved');
  await fake.waitFor((c) => c.some((x) => x.method === 'chat.update' && textOf(x).includes('Resolved')));
  const last = fake.callsTo('chat.update').at(-1);
  expect(buttonsOf(last)).toEqual([]);
  expect(textOf(last)).toContain('Expired TLS certificate');
  await fake.waitFor((c) => threadLines(c).some((t) => t.includes('Resolved by')));
  // Every thread line went into the message's thread, once each.
  const lines = threadLines(fake.calls);
  expect(lines.filter((t) => t.includes('Acknowledged by'))).toHaveLength(1);
  expect(lines.filter((t) => t.includes('Resolved by'))).toHaveLength(1);
  expect(
    fake
      .callsTo('chat.postMessage')
      .filter((c) => c.args.thread_ts)
      .every((c) => c.args.thread_ts === ts),
  ).toBe(true);
  // The message itself was posted exactly once.
  expect(fake.calls.filter(isIncidentMessage)).toHaveLength(1);

  // 6. The executive (dana, audience executive) got business-language DMs for the declaration and
  // the resolution (delivered by the notifications engine, rendered by executiveSummary).
  const dana = (c: (typeof fake.calls)[number]) =>
    c.method === 'chat.postMessage' && c.args.channel === 'U0DANA001';
  // Deliveries run concurrently, so the two DMs may arrive in either order.
  await fake.waitFor((c) => c.filter(dana).length >= 2, 15_000);
  const dms = fake.calls.filter(dana).map((c) => JSON.stringify(c.args));
  expect(dms.some((dm) => dm.includes('Major disruption'))).toBe(true);
  expect(dms.some((dm) => dm.includes('Resolved'))).toBe(true);
  for (const dm of dms) {
    expect(dm).not.toContain('5xx from payment gateway'); // internal description stays internal
    expect(dm).not.toContain('Expired TLS certificate'); // so does the root cause
  }
});

function threadLines(calls: typeof h.fake.calls): string[] {
  return calls
    .filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts)
    .map((c) => String(c.args.text));
}

async function waitForResponse(id: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!h.fake.responses.some((r) => r.id === id)) {
    if (Date.now() > deadline) throw new Error(`no response on response_url ${id}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The ts Herald stored for INC-1's message (written just after Slack answered the post). */
async function messageTs(): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const row = await h.db.db
      .selectFrom('slack_incident_messages')
      .select(['ts'])
      .where('incident_id', '=', 1)
      .executeTakeFirst();
    if (row?.ts) return row.ts;
    if (Date.now() > deadline) throw new Error('no ts stored for INC-1');
    await new Promise((r) => setTimeout(r, 10));
  }
}
