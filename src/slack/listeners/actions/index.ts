import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../deps';
import * as acknowledge from './acknowledge';
import * as escalate from './escalate';
import * as publish from './publish';
import * as resolve from './resolve';
import * as update from './update';

/** The incident message's buttons. */
export function register(app: App, deps: ListenerDeps): void {
  for (const listener of [acknowledge, update, resolve, escalate, publish]) listener.register(app, deps);
}
