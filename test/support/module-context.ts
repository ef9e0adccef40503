import type { HeraldConfig } from '../../src/config';
import { createMetrics } from '../../src/http/metrics';
import { IncidentService } from '../../src/incidents/incident.service';
import type { ModuleContext } from '../../src/modules';
import type { Clock } from '../../src/common/clock';
import { testLogger, type TestDatabase } from './db';

/**
 * What the composition root gives a feature module, for a test that builds one module alone: the
 * test database, a fresh metrics registry, and an incident service that knows the config's
 * services (or the one the test passes, to share it between modules).
 */
export function testModuleContext(
  t: Pick<TestDatabase, 'db' | 'pool'>,
  config: HeraldConfig,
  clock: Clock,
  incidents?: IncidentService,
): ModuleContext {
  return {
    config,
    db: t.db,
    pool: t.pool,
    logger: testLogger,
    clock,
    incidents:
      incidents ??
      new IncidentService({ db: t.db, clock, knownServices: new Set(config.file.services.map((s) => s.id)) }),
    metrics: createMetrics(),
  };
}
