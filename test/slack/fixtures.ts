import fs from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { parseConfigText, type HeraldConfig } from '../../src/config';
import type { Incident, TimelineEvent } from '../../src/incidents/incident';

/** Literal data for the pure renderers. */
export const T0 = DateTime.fromISO('2026-03-02T14:00:00Z', { zone: 'utc' });

export function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 4,
    ref: 'INC-4',
    title: 'p99 latency on db-primary-3.internal.acme.net (SEV1)',
    description: 'pgbouncer pool exhausted on db-primary-3, see runbook RB-22',
    severity: 'critical',
    status: 'investigating',
    services: ['checkout'],
    impact: 'Customers cannot complete purchases',
    rootCause: null,
    resolutionSteps: null,
    commander: 'slack:U0ALICE01',
    acknowledgedBy: null,
    acknowledgedAt: null,
    startedAt: T0,
    resolvedAt: null,
    createdBy: 'slack:U0ALICE01',
    source: 'slack',
    publicTitle: 'Checkout is slow',
    published: true,
    publishedAt: T0,
    publishedBy: 'slack:U0ALICE01',
    private: false,
    version: 1,
    updatedAt: T0,
    ...overrides,
  };
}

export function event(overrides: Partial<TimelineEvent> = {}): TimelineEvent {
  return {
    id: 10,
    incidentId: 4,
    at: T0.plus({ minutes: 20 }),
    actor: 'slack:U0ALICE01',
    kind: 'declared',
    changes: [],
    message: null,
    publicMessage: null,
    ...overrides,
  };
}

export function exampleConfig(env: Record<string, string> = {}): HeraldConfig {
  const yaml = fs.readFileSync(path.resolve(__dirname, '../../herald.example.yml'), 'utf8');
  return parseConfigText(yaml, env, 'example');
}
