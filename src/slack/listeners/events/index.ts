import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../deps';
import * as appHomeOpened from './app-home-opened';

/** Events API subscriptions. */
export function register(app: App, deps: ListenerDeps): void {
  appHomeOpened.register(app, deps);
}
