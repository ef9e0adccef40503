import type { HeraldModule, ModuleContext } from '../modules';

/** The status page module (see src/modules.ts for the contract). */
export function statusPageModule(_ctx: ModuleContext): HeraldModule {
  return { name: 'statuspage' };
}
