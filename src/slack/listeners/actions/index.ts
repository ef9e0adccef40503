import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../deps';
import * as acknowledge from './acknowledge';
import * as escalate from './escalate';
import * as resolve from './resolve';
import * as update from './update';

/** The incident message's buttons. */
export function register(app: App, deps: ListenerDeps): void {
  for (const listener of [acknowledge, update, resolve, escalate]) listener.register(app, deps);
}
