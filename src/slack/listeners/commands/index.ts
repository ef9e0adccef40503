import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../deps';
import * as incident from './incident';

/** Slash commands. */
export function register(app: App, deps: ListenerDeps): void {
  incident.register(app, deps);
}
