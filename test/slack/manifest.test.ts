import fs from 'node:fs';
import path from 'node:path';
import type { App } from '@slack/bolt';
import { webApi } from '@slack/bolt';
import YAML from 'yaml';
import { ACTIONS, CALLBACKS, COMMAND, EVENTS, EVENTS_PATH } from '../../src/slack/ids';
import { registerListeners } from '../../src/slack/listeners';
import type { ListenerDeps } from '../../src/slack/listeners/deps';
import { incidentMessage } from '../../src/slack/views/incident-message';
import { declareModal, publishModal, resolveModal, updateModal } from '../../src/slack/views/modals';
import { exampleConfig, incident, T0 } from './fixtures';

/**
 * manifest.yml against the code: what the listeners register, what the views render, and which
 * Web API methods the source calls. A new button, event or API call without its manifest entry
 * fails here instead of in a workspace.
 */
const root = path.resolve(__dirname, '../..');
const manifest = YAML.parse(fs.readFileSync(path.join(root, 'manifest.yml'), 'utf8')) as {
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean };
    slash_commands: Array<{ command: string; url: string }>;
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
  };
};

/** Bot scopes each Web API method needs (https://docs.slack.dev/reference/methods). */
const SCOPES: Readonly<Record<string, readonly string[]>> = {
  'auth.test': [],
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'conversations.open': ['im:write'],
  'views.open': [],
  'views.update': [],
  'views.push': [],
  'views.publish': [],
  'users.info': ['users:read'],
};

function registrations(): Record<'command' | 'action' | 'view' | 'event', string[]> {
  const seen = {
    command: [] as string[],
    action: [] as string[],
    view: [] as string[],
    event: [] as string[],
  };
  const recorder = Object.fromEntries(
    (Object.keys(seen) as Array<keyof typeof seen>).map((kind) => [
      kind,
      (id: string) => void seen[kind].push(id),
    ]),
  );
  registerListeners(recorder as unknown as App, {} as ListenerDeps);
  return seen;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** `x.chat.postMessage(` and the like, wherever the source calls Slack's WebClient. */
function webApiMethodsCalled(): string[] {
  const client = new webApi.WebClient('xoxb-unused') as unknown as Record<string, Record<string, unknown>>;
  const found = new Set<string>();
  for (const file of sourceFiles(path.join(root, 'src'))) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/\.([a-z]+)\.([a-zA-Z]+)\(/g)) {
      const [, family = '', method = ''] = m;
      if (family !== 'logger' && typeof client[family]?.[method] === 'function')
        found.add(`${family}.${method}`);
    }
  }
  return [...found].sort();
}

const url = (u: string) => new URL(u);

test('the slash command is in the manifest, pointed at /slack/events', () => {
  const { command } = registrations();
  expect(command).toEqual([COMMAND]);
  for (const c of command) {
    const entry = manifest.features.slash_commands.find((s) => s.command === c);
    expect(entry).toBeDefined();
    expect(url(entry!.url).pathname).toBe(EVENTS_PATH);
  }
});

test('buttons and modals are answered: interactivity on, at /slack/events, every id registered', () => {
  const { action, view } = registrations();
  expect(manifest.settings.interactivity.is_enabled).toBe(true);
  expect(url(manifest.settings.interactivity.request_url).pathname).toBe(EVENTS_PATH);
  expect([...action].sort()).toEqual(Object.values(ACTIONS).sort());
  expect([...view].sort()).toEqual(Object.values(CALLBACKS).sort());

  // Every button the incident message renders, and every modal Herald opens, has its listener.
  const rendered = incidentMessage(incident({ published: false }), { now: T0, serviceNames: [] })
    .attachments[0]!.blocks!;
  const buttonIds = rendered.flatMap((b) =>
    b.type === 'actions'
      ? (b as { elements: Array<{ action_id: string }> }).elements.map((e) => e.action_id)
      : [],
  );
  expect(buttonIds).toHaveLength(5); // Publish too, while the incident is not public
  expect(buttonIds.every((id) => action.includes(id))).toBe(true);
  const config = exampleConfig();
  for (const modal of [
    declareModal(config, { title: '', meta: {} }),
    updateModal(incident(), {}),
    resolveModal(incident(), {}),
    publishModal(incident(), {}),
  ]) {
    expect(view).toContain(modal.callback_id);
  }
});

test('every event listened to is subscribed, and the App Home tab is enabled for it', () => {
  const { event } = registrations();
  expect(event).toEqual(Object.values(EVENTS));
  for (const e of event) expect(manifest.settings.event_subscriptions.bot_events).toContain(e);
  expect(url(manifest.settings.event_subscriptions.request_url).pathname).toBe(EVENTS_PATH);
  expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  // Executive DMs and error DMs arrive in the app's Messages tab.
  expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
});

test('every Web API method the source calls is covered by the bot scopes', () => {
  const methods = webApiMethodsCalled();
  expect(methods).toEqual(
    expect.arrayContaining(['auth.test', 'chat.postMessage', 'chat.update', 'views.open', 'views.publish']),
  );
  const unknown = methods.filter((m) => SCOPES[m] === undefined);
  expect(unknown).toEqual([]); // add the method's scopes to SCOPES and manifest.yml
  const needed = [...new Set(methods.flatMap((m) => SCOPES[m] ?? []))];
  const missing = needed.filter((s) => !manifest.oauth_config.scopes.bot.includes(s));
  expect(missing).toEqual([]);
  // And no more than that: the slash command, and posting in the incidents channel uninvited.
  const beyond = ['commands', 'chat:write.public'];
  expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...new Set([...needed, ...beyond])].sort());
});
