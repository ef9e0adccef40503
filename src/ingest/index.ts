import type { HeraldModule, ModuleContext } from '../modules';

/** The alert ingestion module (see src/modules.ts for the contract). */
export function ingestModule(_ctx: ModuleContext): HeraldModule {
  return { name: 'ingest' };
}
