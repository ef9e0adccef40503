import type { HeraldModule, ModuleContext } from '../modules';

/** The Slack module (see src/modules.ts for the contract). */
export function slackModule(_ctx: ModuleContext): HeraldModule {
  return { name: 'slack' };
}
