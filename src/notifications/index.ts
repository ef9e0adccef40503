import type { HeraldModule, ModuleContext } from '../modules';

/** The notifications module (see src/modules.ts for the contract). */
export function notificationsModule(_ctx: ModuleContext): HeraldModule {
  return { name: 'notifications' };
}
