// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import type { Kysely } from 'kysely';
import type { HeraldConfig } from '../../config';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import type { Database } from '../../db/schema';
import type { IncidentService } from '../../incidents/incident.service';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';

/** What every listener may use: the service for changes, config and the clock for reads. */
export interface ListenerDeps {
  readonly config: HeraldConfig;
  readonly incidents: IncidentService;
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
}
