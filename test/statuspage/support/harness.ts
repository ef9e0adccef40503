import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import { parseConfigText, type HeraldConfig } from '../../../src/config';
import type { Trx } from '../../../src/db/schema';
import { createMetrics } from '../../../src/http/metrics';
import { buildServer } from '../../../src/http/server';
import { IncidentService } from '../../../src/incidents/incident.service';
import type { Clock } from '../../../src/common/clock';
import {
  LOCAL_CHANGE,
  statusPageModule,
  type DeliveryHealth,
  type StatusPageModule,
  type SubscriberMailer,
} from '../../../src/statuspage';
import { testLogger, type TestDatabase } from '../../support/db';
import { testModuleContext } from '../../support/module-context';

export const TOKEN = 'statuspage-test-token-0123';
export const PUBLIC_URL = 'https://status.example.com';

/** Components in two groups plus one ungrouped; services map onto them. */
export const CONFIG_YAML = `
organization: { name: Acme }
services:
  - { id: api, name: Public API, component: api }
  - { id: checkout, name: Checkout, component: checkout }
  - { id: website, name: Website, component: website }
  - { id: billing, name: Billing }
status_page:
  title: Acme Status
  components:
    - { id: api, name: Public API, group: Platform, description: REST API for partners }
    - { id: checkout, name: Checkout, group: Storefront, description: Cart and payment }
    - { id: website, name: Website, group: Storefront }
    - { id: docs, name: Documentation }
`;

/** What the mailer port was asked to plan, recorded in memory (the real engine is the lead's). */
export class RecordingMailer implements SubscriberMailer {
  readonly confirmations: Parameters<SubscriberMailer['confirmation']>[1][] = [];
  readonly updates: Parameters<SubscriberMailer['incidentUpdate']>[1][] = [];
  /** Whether each call came with an open transaction (the port's contract). */
  readonly inTransaction: boolean[] = [];
  async confirmation(trx: Trx, message: Parameters<SubscriberMailer['confirmation']>[1]): Promise<void> {
    this.inTransaction.push(trx.isTransaction);
    this.confirmations.push(message);
  }
  async incidentUpdate(trx: Trx, message: Parameters<SubscriberMailer['incidentUpdate']>[1]): Promise<void> {
    this.inTransaction.push(trx.isTransaction);
    this.updates.push(message);
  }
}

export interface Harness {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly incidents: IncidentService;
  readonly module: StatusPageModule;
  readonly config: HeraldConfig;
  /** Resolves after the next invalidation has been re-rendered (or nothing was cached). */
  nextChange(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One "web process": the real fastify server with the status page module's routes, an
 * IncidentService with the module's subscribers, and its LISTEN connection started.
 */
export async function startStatusPage(opts: {
  db: TestDatabase;
  clock: Clock;
  configYaml?: string;
  apiToken?: string | null;
  mailer?: SubscriberMailer;
  deliveryHealth?: DeliveryHealth;
}): Promise<Harness> {
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: opts.db.url,
    HERALD_PUBLIC_URL: PUBLIC_URL,
    ...(opts.apiToken === null ? {} : { HERALD_API_TOKEN: opts.apiToken ?? TOKEN }),
  };
  const config = parseConfigText(opts.configYaml ?? CONFIG_YAML, env, 'statuspage-test.yml');
  const incidents = new IncidentService({
    db: opts.db.db,
    clock: opts.clock,
    knownServices: new Set(config.file.services.map((s) => s.id)),
  });
  const module = statusPageModule(testModuleContext(opts.db, config, opts.clock, incidents), {
    mailer: opts.mailer,
    deliveryHealth: opts.deliveryHealth,
    minRefreshIntervalMs: 0,
  });
  for (const s of module.subscribers ?? []) incidents.subscribe(s);
  const app = await buildServer({
    logger: testLogger,
    db: opts.db.db,
    incidents,
    metrics: createMetrics(),
    apiToken: config.env.apiToken,
    routes: module.routes ? [module.routes] : [],
    trustProxy: config.file.http.trustProxy,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  await module.start?.(undefined);
  const addr = app.server.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    incidents,
    module,
    config,
    nextChange: async () => {
      // Wait for the NOTIFY from the database (every change sends one), not a local shortcut.
      for (;;) {
        const [reason] = (await once(module.cache, 'invalidated')) as [string];
        if (reason !== LOCAL_CHANGE) break;
      }
      await module.cache.settled();
    },
    close: async () => {
      await module.stop?.();
      await app.close();
    },
  };
}

/** Runs a change and waits until this process has heard of it (NOTIFY) and re-rendered. */
export async function changed<T>(h: Harness, change: () => Promise<T>): Promise<T> {
  const heard = h.nextChange();
  const result = await change();
  await heard;
  return result;
}

export async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, { headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}
