import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../deps';
import * as declare from './declare';
import * as publish from './publish';
import * as resolve from './resolve';
import * as update from './update';

/** Modal submissions. */
export function register(app: App, deps: ListenerDeps): void {
  for (const listener of [declare, update, resolve, publish]) listener.register(app, deps);
}
