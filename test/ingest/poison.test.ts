import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { isDatabaseUnavailable } from '../../src/db/connect';
import type { Database } from '../../src/db/schema';
import { buildServer } from '../../src/http/server';
import { createIngest } from '../../src/ingest';
import { FactsWriter, type FactsResult } from '../../src/ingest/facts-writer';
import { DEFAULT_POLICY, type AlertBatch } from '../../src/ingest/types';
import { testLogger } from '../support/db';
import { call } from '../support/http';
import { testModuleContext } from '../support/module-context';
import { count, startHarness, TOKENS, type Harness } from './support/harness';

/**
 * Issue "Pages first": one bad request must never fail its neighbours. On main, 30 generic-hook
 * requests with a NUL in their title sent beside 30 valid Alertmanager requests made PostgreSQL
 * reject the group-commit transaction, and 28 of the 30 valid requests answered 500; a generic
 * hook body nested 20,000 deep answered 500 (stack overflow).
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

function amPayload(i: number): unknown {
  return {
    version: '4',
    groupKey: `{}:{alertname="PoisonMix${i}"}`,
    status: 'firing',
    receiver: 'herald',
    groupLabels: { alertname: `PoisonMix${i}` },
    commonLabels: { alertname: `PoisonMix${i}`, service: 'checkout' },
    commonAnnotations: {},
    alerts: [
      {
        status: 'firing',
        labels: { alertname: `PoisonMix${i}`, service: 'checkout', instance: `web-${i}` },
        annotations: { summary: `valid alert ${i}` },
        startsAt: '2026-11-26T21:29:00Z',
      },
    ],
  };
}

describe('poisoned hook requests beside valid ones', () => {
  it('30 NUL titles sent concurrently with 30 valid Alertmanager requests: every valid one 2xx and stored, every NUL one 400', async () => {
    const alertsBefore = await count(h, 'ingest_alerts');
    const incidentsBefore = await count(h, 'incidents');
    const requests = Array.from({ length: 30 }, (_, i) => [
      call(`${h.url}/hooks/generic`, {
        token: TOKENS.scripts,
        json: { title: `poison\u0000${i}`, dedup_key: `poison-${i}` },
      }),
      call(`${h.url}/hooks/alertmanager`, { token: TOKENS.prometheus, json: amPayload(i) }),
    ]).flat();
    const answers = await Promise.all(requests);
    const poisoned = answers.filter((_, i) => i % 2 === 0);
    const valid = answers.filter((_, i) => i % 2 === 1);

    expect(valid.map((a) => a.status)).toEqual(Array(30).fill(200));
    expect(valid.every((a) => /^INC-\d+$/.test((a.body as { incident: string }).incident))).toBe(true);
    expect(poisoned.map((a) => a.status)).toEqual(Array(30).fill(400));
    for (const a of poisoned) {
      expect(errorOf(a.body)).toEqual({
        code: 'Validation',
        message: 'invalid body: title: contains a NUL character',
        issues: [{ path: 'title', message: 'contains a NUL character' }],
      });
    }
    expect(await count(h, 'ingest_alerts')).toBe(alertsBefore + 30);
    expect(await count(h, 'incidents')).toBe(incidentsBefore + 30);
    const stored = await h.t.db
      .selectFrom('ingest_alerts')
      .select('group_key')
      .where('group_key', 'like', '%PoisonMix%')
      .execute();
    expect(stored).toHaveLength(30);
  });

  it('refuses a lone surrogate in a label key or value, naming where it is', async () => {
    const before = await count(h, 'ingest_alerts');
    const payload = amPayload(100) as { alerts: Array<{ labels: Record<string, string> }> };
    payload.alerts[0]!.labels.instance = 'web-\ud800';
    const value = await call(`${h.url}/hooks/alertmanager`, { token: TOKENS.prometheus, json: payload });
    expect(value.status).toBe(400);
    expect(errorOf(value.body).message).toBe(
      'invalid body: alerts[0].labels.instance: contains a lone UTF-16 surrogate (not valid Unicode)',
    );
    const key = await call(`${h.url}/hooks/generic`, {
      token: TOKENS.scripts,
      json: { title: 'fine', details: { ['bad\udc00key']: 1 } },
    });
    expect(key.status).toBe(400);
    expect(errorOf(key.body).message).toBe(
      'invalid body: details: a key contains a lone UTF-16 surrogate (not valid Unicode)',
    );
    expect(await count(h, 'ingest_alerts')).toBe(before);
  });

  it('answers a generic body nested 20,000 deep (40 KB) with 400, not a stack overflow', async () => {
    const before = await count(h, 'ingest_alerts');
    const deep = `{"title":"deep","details":{"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
    const res = await call(`${h.url}/hooks/generic`, { token: TOKENS.scripts, raw: deep, headers: json });
    expect(res.status).toBe(400);
    expect(errorOf(res.body)).toEqual({
      code: 'Validation',
      message: 'invalid body: JSON nested deeper than 32 levels',
    });
    // Just past the limit is refused; at the limit is taken (details hold a 30-deep value).
    const nest = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    const over = await call(`${h.url}/hooks/generic`, {
      token: TOKENS.scripts,
      raw: `{"title":"over","details":{"x":${nest(31)}}}`,
      headers: json,
    });
    expect(over.status).toBe(400);
    expect(await count(h, 'ingest_alerts')).toBe(before);
    const at = await call(`${h.url}/hooks/generic`, {
      token: TOKENS.scripts,
      raw: `{"title":"at the limit","details":{"x":${nest(30)}}}`,
      headers: json,
    });
    expect(at.status).toBe(200);
    expect(await count(h, 'ingest_alerts')).toBe(before + 1);
  });

  it('the SNS hook refuses a body nested 20,000 deep with 400', async () => {
    const sns = (raw: string) =>
      call(`${h.url}/hooks/sns?token=${TOKENS.cloudwatch}`, {
        raw,
        headers: { 'content-type': 'text/plain; charset=UTF-8' },
      });
    const body = await sns(`${'['.repeat(20_000)}${']'.repeat(20_000)}`);
    expect(body.status).toBe(400);
    expect(errorOf(body.body).message).toBe('invalid body: JSON nested deeper than 32 levels');
  });
});

const json = { 'content-type': 'application/json' };

function batch(key: string, title: string): AlertBatch {
  return {
    integrationId: 'scripts',
    autoResolve: true,
    groupKey: key,
    service: 'api',
    title,
    alerts: [
      {
        fingerprint: key,
        status: 'firing',
        name: title,
        summary: title,
        labels: {},
        service: 'api',
        severity: 'high',
        startsAt: null,
        url: null,
      },
    ],
  };
}

type Outcome = { ok: true; value: FactsResult } | { ok: false; err: unknown };
const settle = (p: Promise<FactsResult>): Promise<Outcome> =>
  p.then(
    (value) => ({ ok: true, value }),
    (err: unknown) => ({ ok: false, err }),
  );

describe('the group commit of alert facts', () => {
  it('writes the requests of a failed transaction one by one, so only the poisoned one fails', async () => {
    const splits: number[] = [];
    const writer = new FactsWriter({
      db: h.t.db,
      pool: h.t.pool,
      clock: h.clock,
      policy: DEFAULT_POLICY,
      concurrency: 6,
      maxAlerts: 1000,
      onSplit: (n) => splits.push(n),
    });
    // Two writes start at once; the 21 written in the same tick queue behind them and go
    // together in one transaction, the poisoned one (a NUL PostgreSQL refuses) among them.
    const first = [writer.write(batch('split-a', 'a')), writer.write(batch('split-b', 'b'))].map(settle);
    const queued = Array.from({ length: 21 }, (_, i) =>
      settle(writer.write(batch(`split-${i}`, i === 10 ? 'poison\u0000' : `valid ${i}`))),
    );
    const outcomes = await Promise.all([...first, ...queued]);

    expect(splits).toEqual([21]);
    const failed = outcomes.flatMap((o, i) => (o.ok ? [] : [i]));
    expect(failed).toEqual([2 + 10]);
    const poison = outcomes[12] as { ok: false; err: Error & { code?: string } };
    expect(poison.err).toMatchObject({ code: 'Validation' });
    expect(poison.err.message).toMatch(/^alert refused by the database: invalid byte sequence/);
    const stored = await h.t.db
      .selectFrom('ingest_alerts')
      .select('fingerprint')
      .where('fingerprint', 'like', 'split-%')
      .execute();
    expect(stored.map((r) => r.fingerprint).sort()).toEqual(
      ['split-a', 'split-b', ...Array.from({ length: 21 }, (_, i) => `split-${i}`)]
        .filter((k) => k !== 'split-10')
        .sort(),
    );
  });

  describe('with the database unreachable', () => {
    // Nothing listens on port 1: every connection attempt is refused at once, as in an outage.
    const dead = new pg.Pool({ connectionString: 'postgres://herald@127.0.0.1:1/herald', max: 4 });
    const deadDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: dead }) });
    afterAll(() => deadDb.destroy());

    it('fails every request of a batch at once (no one-by-one retries)', async () => {
      const splits: number[] = [];
      const writer = new FactsWriter({
        db: deadDb,
        pool: dead,
        clock: h.clock,
        policy: DEFAULT_POLICY,
        concurrency: 6,
        maxAlerts: 1000,
        onSplit: (n) => splits.push(n),
      });
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, (_, i) => settle(writer.write(batch(`dead-${i}`, `dead ${i}`)))),
      );
      expect(outcomes.map((o) => !o.ok && isDatabaseUnavailable(o.err))).toEqual(Array(6).fill(true));
      expect(splits).toEqual([]);
    });

    it('hook requests answer 503 with Retry-After, as before', async () => {
      const ctx = { ...testModuleContext(h.t, h.config, h.clock, h.incidents), db: deadDb, pool: dead };
      const { module } = createIngest(ctx);
      const app = await buildServer({
        logger: testLogger,
        db: deadDb,
        incidents: h.incidents,
        metrics: ctx.metrics,
        apiToken: undefined,
        routes: [module.routes!],
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const addr = app.server.address();
        const url = `http://127.0.0.1:${addr && typeof addr === 'object' ? addr.port : 0}`;
        const answers = await Promise.all(
          Array.from({ length: 5 }, (_, i) =>
            call(`${url}/hooks/generic`, { token: TOKENS.scripts, json: { title: `outage ${i}` } }),
          ),
        );
        expect(answers.map((a) => [a.status, a.headers.get('retry-after')])).toEqual(
          Array(5).fill([503, '5']),
        );
        expect(errorOf(answers[0]!.body).code).toBe('Unavailable');
      } finally {
        await app.close();
      }
    });
  });
});
