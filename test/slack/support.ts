import { createHmac } from 'node:crypto';
import net from 'node:net';
import type { Clock } from '../../src/common/clock';
import { FakeSlack, type SlackCall } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestHerald } from '../support/herald';

/**
 * Driving the real Herald as Slack does: signed form posts to /slack/events over real HTTP,
 * answered through the fake Slack Web API (and its response_url endpoint).
 */
export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const CHANNEL = 'C0INCIDENTS';

export interface SlackHarness {
  readonly fake: FakeSlack;
  readonly db: TestDatabase;
  readonly herald: Awaited<ReturnType<typeof startTestHerald>>;
  readonly events: string;
  /** Unique response_url per interaction, so answers can be told apart. */
  responseUrl(id: string): string;
  close(): Promise<void>;
}

export async function startSlackHarness(
  opts: {
    configYaml?: string;
    env?: Record<string, string>;
    beforeStart?: (fake: FakeSlack) => void;
    /** Herald's injected clock, which also stamps the fake's calls; default real time. */
    clock?: Clock;
  } = {},
): Promise<SlackHarness> {
  const clock = opts.clock;
  const fake = await new FakeSlack(clock ? () => clock.now().toMillis() : undefined).start();
  opts.beforeStart?.(fake);
  const db = await createTestDatabase();
  const herald = await startTestHerald({
    databaseUrl: db.url,
    clock,
    configYaml: opts.configYaml,
    env: {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      SLACK_INCIDENTS_CHANNEL: CHANNEL,
      PORT: String(await freePort()), // startTestHerald's PORT=0 is refused by parseEnv (1..65535)
      ...opts.env,
    },
  });
  return {
    fake,
    db,
    herald,
    events: `${herald.url}/slack/events`,
    responseUrl: (id) => `${fake.url}/response/${id}`,
    close: async () => {
      await herald.stop();
      await db.drop();
      await fake.stop();
    },
  };
}

/** A port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function sign(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface Posted {
  status: number;
  text: string;
  json: unknown;
}

/** POSTs a form body signed like Slack (or not: override timestamp, signature, headers). */
export async function postSigned(
  url: string,
  body: string,
  opts: { timestamp?: number; signature?: string; headers?: Record<string, string> } = {},
): Promise<Posted> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': opts.signature ?? sign(body, timestamp),
      ...opts.headers,
    },
    body,
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // empty or not JSON
  }
  return { status: res.status, text, json };
}

/** A slash command body as Slack sends it. */
export function commandBody(
  text: string,
  user: string,
  responseUrl: string,
  triggerId = `trig-${user}`,
): string {
  return new URLSearchParams({
    token: 'legacy-unused',
    team_id: 'T0TEAM',
    team_domain: 'acme',
    channel_id: 'C0GENERAL',
    channel_name: 'general',
    user_id: user,
    user_name: user.toLowerCase(),
    command: '/incident',
    text,
    api_app_id: 'A0HERALD',
    response_url: responseUrl,
    trigger_id: triggerId,
  }).toString();
}

const form = (payload: unknown): string =>
  new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

/** A block_actions payload for one button click on the incident message. */
export function buttonBody(actionId: string, value: string, user: string, responseUrl: string): string {
  return form({
    type: 'block_actions',
    team: { id: 'T0TEAM', domain: 'acme' },
    user: { id: user, name: user.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0HERALD',
    token: 'legacy-unused',
    trigger_id: `trig-${actionId}-${user}`,
    response_url: responseUrl,
    container: { type: 'message', message_ts: '1700000000.000001', channel_id: CHANNEL, is_ephemeral: false },
    channel: { id: CHANNEL, name: 'incidents' },
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'incident_actions',
        value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: '1700000001.000000',
      },
    ],
  });
}

type StateValue =
  | { type: 'plain_text_input'; value: string | null }
  | { type: 'static_select'; selected_option: { value: string } | null }
  | { type: 'multi_static_select'; selected_options: { value: string }[] }
  | { type: 'checkboxes'; selected_options: { value: string }[] };

export const input = (value: string | null): StateValue => ({ type: 'plain_text_input', value });
export const choice = (value: string | null): StateValue => ({
  type: 'static_select',
  selected_option: value === null ? null : { value },
});
export const choices = (...values: string[]): StateValue => ({
  type: 'multi_static_select',
  selected_options: values.map((value) => ({ value })),
});

/** Checkboxes with these options ticked (none: all unticked). */
export const checkboxes = (...values: string[]): StateValue => ({
  type: 'checkboxes',
  selected_options: values.map((value) => ({ value })),
});

/** A view_submission payload for a modal Herald opened (callback id and metadata from views.open). */
export function submissionBody(
  opened: { callback_id: string; private_metadata?: string },
  user: string,
  values: Record<string, StateValue>,
): string {
  return form({
    type: 'view_submission',
    team: { id: 'T0TEAM', domain: 'acme' },
    user: { id: user, name: user.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0HERALD',
    token: 'legacy-unused',
    trigger_id: 'trig-submit',
    view: {
      id: 'V0MODAL',
      team_id: 'T0TEAM',
      type: 'modal',
      callback_id: opened.callback_id,
      private_metadata: opened.private_metadata ?? '',
      state: {
        values: Object.fromEntries(Object.entries(values).map(([block, v]) => [block, { value: v }])),
      },
      hash: 'h',
      blocks: [],
    },
  });
}

/** An Events API callback (app_home_opened), JSON as Slack sends events. */
export function eventBody(event: Record<string, unknown>): string {
  return JSON.stringify({
    token: 'legacy-unused',
    team_id: 'T0TEAM',
    api_app_id: 'A0HERALD',
    type: 'event_callback',
    event_id: `Ev${Math.random().toString(36).slice(2, 10)}`,
    event_time: Math.floor(Date.now() / 1000),
    event,
  });
}

/** The view a views.open call opened. */
export function openedView(call: SlackCall | undefined): {
  callback_id: string;
  private_metadata?: string;
  blocks: unknown[];
} {
  if (!call) throw new Error('no views.open call');
  return call.args.view as { callback_id: string; private_metadata?: string; blocks: unknown[] };
}

/**
 * Herald's live incident message (a top-level post with the coloured attachment), as opposed to
 * notification posts that rules may also send to the channel.
 */
export function isIncidentMessage(c: SlackCall): boolean {
  return (
    c.method === 'chat.postMessage' &&
    c.args.channel === CHANNEL &&
    !c.args.thread_ts &&
    Array.isArray(c.args.attachments)
  );
}

/** Action ids of the buttons on a posted/updated incident message. */
export function buttonsOf(call: SlackCall | undefined): string[] {
  const attachments = (call?.args.attachments ?? []) as Array<{ blocks?: Array<Record<string, unknown>> }>;
  const blocks = attachments.flatMap((a) => a.blocks ?? []);
  return blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements as Array<{ action_id: string }>).map((e) => e.action_id));
}

/** All text (mrkdwn and plain) in a message's attachments, for content assertions. */
export function textOf(call: SlackCall | undefined): string {
  return JSON.stringify(call?.args.attachments ?? call?.args.blocks ?? call?.args.text ?? '');
}
