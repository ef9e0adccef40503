import type { App } from '@slack/bolt';
import * as actions from './actions';
import * as commands from './commands';
import type { ListenerDeps } from './deps';
import * as events from './events';
import * as views from './views';

/** Every surface, one `register(app)` each (Bolt's starter-template layout). */
export function registerListeners(app: App, deps: ListenerDeps): void {
  for (const surface of [commands, actions, views, events]) surface.register(app, deps);
}
