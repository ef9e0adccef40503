/* eslint-disable no-console -- a benchmark prints its figures */
import { performance } from 'node:perf_hooks';
import { Kysely, PostgresDialect, sql, type RawBuilder } from 'kysely';
import { DateTime } from 'luxon';
import type pg from 'pg';
import { parseConfigText, type HeraldConfig } from '../src/config';
import { createPool } from '../src/db/connect';
import { migrateToLatest } from '../src/db/migrate';
import type { Database, Trx } from '../src/db/schema';
import { ackSecretLoader, escalationModule } from '../src/escalation';
import { fireDueEscalations, type EngineDeps } from '../src/escalation/engine';
import { levelTargets } from '../src/escalation/policy';
import { createMetrics } from '../src/http/metrics';
import { IncidentService } from '../src/incidents/incident.service';
import type { ModuleContext } from '../src/modules';
import { createNotifications } from '../src/notifications';
import type { Clock } from '../src/common/clock';
import { createLogger } from '../src/common/logger';
import { repeat } from '../src/common/repeat';
import { benchServer, percentile, round } from './support';

/**
 * Escalation engine at scale: N open, unacknowledged incidents (1,000 and 100,000), each with its
 * `escalations` row (level 0 paged, level 1 far in the future), of which 100 fall due at the same
 * instant T. Seeded with SQL. The notifications and escalation modules are composed as src/main.ts
 * does (planner subscriber, then escalation subscriber, on one IncidentService); SMS and email
 * are "configured" with dummy credentials so deliveries are `pending` with a graphile job. No
 * worker runs and no provider is called: what is measured ends when the deliveries are committed.
 *
 * Per size, on a fresh migrated database, after a warm-up of 20 escalations:
 * - `scan_idle`: one `fireDueEscalations` pass with nothing due (median of 30): the scan cost.
 *   `explain (analyze, buffers)` of the due query is printed (it must use escalations_due_idx).
 * - `pass` and `work_*`: clock (manual) at T, one pass fires the 100 due steps. Per incident,
 *   work = commit of its escalation transaction − start of the pass: the lag if a tick began
 *   exactly at T. This is tick work only, without the wait for the tick.
 * - correctness: each due incident escalated once, with exactly the level-1 deliveries the policy
 *   names (pending, with jobs); two more passes at T and one a minute later fire nothing.
 * - `p50/p99/max_lag`: the real due → planned lag. Real clock, the module's own 250 ms tick loop
 *   (as production runs it); ROUNDS times, 100 incidents fall due at T = now + 0.5–0.75 s and each
 *   one's lag is commit − T, so it includes the wait for the next tick.
 * - a profiled pass (Kysely's query log on) printing where one escalation's time goes, and
 *   `pass_4_workers`: four ticks at once, as four worker processes would run them.
 * "Committed" = the engine's transaction promise resolved (COMMIT answered), observed by wrapping
 * the `db.transaction()` the engine is given.
 */
const SIZES = [1_000, 100_000];
const DUE = 100;
const ROUNDS = Math.min(6, Number(process.env.BENCH_ESCALATION_ROUNDS ?? 5));
const IDLE_RUNS = 30;
const WORKERS = 4;
const POLICY = 'primary';

const CONFIG = `
services:
  - { id: api, escalation_policy: ${POLICY} }
people:
  - { id: alice, name: Alice, email: alice@example.com, phone: '+15555550101' }
  - { id: bob, name: Bob, email: bob@example.com, phone: '+15555550102' }
  - { id: carol, name: Carol, email: carol@example.com, phone: '+15555550103' }
  - { id: dana, name: Dana, email: dana@example.com, phone: '+15555550104' }
groups:
  - { id: platform, members: [alice, bob] }
schedules:
  - id: primary
    layers:
      - { name: weekly, members: [alice, bob, carol], rotation: weekly, start: '2026-01-05' }
escalation_policies:
  - id: ${POLICY}
    levels:
      - { delay_minutes: 0, targets: [{ schedule: primary }], channels: [sms] }
      - delay_minutes: 15
        targets: [{ schedule: primary }, { group: platform }, { person: dana }]
        channels: [sms, email]
      - { delay_minutes: 30, targets: [{ person: dana }], channels: [sms] }
rules:
  - name: escalations-console
    when: { events: [escalated] }
    notify: { channels: [console] }
`;

/** Dummy provider settings: the channels count as on (pending + job); nothing is ever sent. */
const ENV = {
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'bench-token',
  TWILIO_FROM: '+15555550100',
  TWILIO_API_URL: 'http://127.0.0.1:9',
  SES_FROM: 'herald@example.com',
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL_SES: 'http://127.0.0.1:9',
};

const wallMs = (): number => performance.timeOrigin + performance.now();

/** A clock fixed at `at` when set, else real time. */
class BenchClock implements Clock {
  at: DateTime | undefined;
  now(): DateTime {
    return this.at ?? DateTime.utc();
  }
  millis(): number {
    return this.now().toMillis();
  }
}

/**
 * `db` whose `transaction().execute(fn)` reports each committed transaction (only the engine's
 * tick opens transactions through it). Methods are bound to the real Kysely (private fields).
 */
function timedTransactions(db: Kysely<Database>, committed: (trx: Trx) => void): Kysely<Database> {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'transaction')
        return () => {
          const builder = target.transaction();
          return {
            execute: async <T>(fn: (trx: Trx) => Promise<T>): Promise<T> => {
              let used: Trx | undefined;
              const result = await builder.execute((trx) => {
                used = trx;
                return fn(trx);
              });
              if (used) committed(used);
              return result;
            },
          };
        };
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

interface Bench {
  readonly db: Kysely<Database>;
  readonly clock: BenchClock;
  readonly config: HeraldConfig;
  readonly engine: EngineDeps;
  readonly tick: () => Promise<unknown>;
  /** Wall-clock ms at which each incident's escalation transaction committed (last one wins). */
  readonly committedAt: Map<number, number>;
  /** Statement kind → calls and total ms, recorded while profiling. */
  readonly profile: Map<string, { calls: number; ms: number }>;
  setProfiling(on: boolean): void;
  close(): Promise<void>;
}

async function compose(url: string): Promise<Bench> {
  const logger = createLogger('warn');
  const pool = createPool(url, logger, 10);
  // pg-pool's end() resolves before its clients' sockets close; wait for them before PostgreSQL stops.
  const open = new Set<pg.PoolClient>();
  pool.on('connect', (client) => {
    open.add(client);
    client.once('end', () => open.delete(client));
  });
  const profile = new Map<string, { calls: number; ms: number }>();
  let profiling = false;
  // kyselyFor(pool) plus a query log, switched on only for the profiled pass.
  const raw = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (e) => {
      if (!profiling) return;
      const key = statementKind(e.query.sql);
      const entry = profile.get(key) ?? { calls: 0, ms: 0 };
      entry.calls += 1;
      entry.ms += e.queryDurationMillis;
      profile.set(key, entry);
    },
  });
  await migrateToLatest(raw, pool);
  const config = parseConfigText(CONFIG, { ...ENV, DATABASE_URL: url }, 'bench-escalation.yml');
  const clock = new BenchClock();
  const committedAt = new Map<number, number>();
  const pagedIn = new WeakMap<Trx, number>();
  const db = timedTransactions(raw, (trx) => {
    const id = pagedIn.get(trx);
    if (id !== undefined) committedAt.set(id, wallMs());
  });
  const incidents = new IncidentService({ db: raw, clock, knownServices: new Set(['api']) });
  const ctx: ModuleContext = { config, db, pool, logger, clock, incidents, metrics: createMetrics() };
  const ackSecret = ackSecretLoader(ctx);
  const notifications = createNotifications(ctx, { ackSecret });
  const escalation = escalationModule(ctx, {
    enqueue: (trx, requests) => {
      const id = requests[0]?.incidentId;
      if (id) pagedIn.set(trx, id);
      return notifications.enqueue(trx, requests);
    },
    ackSecret,
  });
  for (const m of [notifications.module, escalation])
    for (const s of m.subscribers ?? []) incidents.subscribe(s);
  const tick = escalation.tick;
  if (!tick) throw new Error('the escalation module has no tick');
  return {
    db: raw,
    clock,
    config,
    engine: escalation.engine,
    tick,
    committedAt,
    profile,
    setProfiling: (on) => {
      profiling = on;
    },
    close: async () => {
      await notifications.module.stop?.();
      await raw.destroy();
      await Promise.all([...open].map((c) => new Promise((resolve) => c.once('end', resolve))));
    },
  };
}

/** N open incidents declared an hour ago, level 0 paged (one sent SMS each), next step far away. */
async function seed(db: Kysely<Database>, n: number, base: DateTime): Promise<void> {
  const declared = base.minus({ hours: 1 }).toJSDate();
  const far = base.plus({ days: 1 }).toJSDate();
  await sql`insert into incidents (title, severity, status, services, started_at, created_by, source,
              created_at, updated_at)
            select 'Bench incident ' || g, (array['critical','high','medium'])[1 + g % 3], 'investigating',
              '{api}', ${declared}, 'bench', 'api', ${declared}, ${declared}
            from generate_series(1, ${n}::int) g`.execute(db);
  await sql`insert into incident_events (incident_id, at, actor, kind)
            select id, created_at, 'bench', 'declared' from incidents`.execute(db);
  await sql`insert into escalations (incident_id, policy_id, level, round, next_level, next_round, next_at,
              updated_at)
            select id, ${POLICY}, 0, 0, 1, 0, ${far}, created_at from incidents`.execute(db);
  await sql`insert into deliveries (incident_id, event_id, idempotency_key, recipient_kind, recipient_id,
              address, channel, audience, severity, rule, status, max_attempts, contact_rank, created_at,
              updated_at, sent_at, attempts)
            select e.incident_id, e.id, e.incident_id || ':' || e.id || ':person:alice:sms', 'person', 'alice',
              '+15555550101', 'sms', 'technical', 'critical', ${`escalation:${POLICY}:level-0`}, 'sent', 5, 0,
              e.at, e.at, e.at, 1
            from incident_events e`.execute(db);
  await sql`analyze`.execute(db);
}

/**
 * The ids made due in batch `r`, spread evenly over the table: 0 = the measured pass, 1 = warm-up,
 * 2…ROUNDS+1 = real-time rounds, ROUNDS+2 = the profiled pass, ROUNDS+3 = the 4-worker pass.
 */
function dueIds(n: number, r: number): number[] {
  const stride = Math.floor(n / DUE);
  return Array.from({ length: DUE }, (_, k) => 1 + r + k * stride);
}

async function makeDue(db: Kysely<Database>, ids: readonly number[], at: DateTime): Promise<void> {
  await db
    .updateTable('escalations')
    .set({ next_at: at.toJSDate() })
    .where('incident_id', 'in', ids)
    .execute();
}

/** Statement text reduced to its kind, for the profile. */
function statementKind(text: string): string {
  const flat = text.replace(/\s+/g, ' ').replace(/"/g, '').trim();
  const cut = flat.search(/ (where|values|from unnest|order by|returning|set)\b/i);
  const kind = (cut > 0 ? flat.slice(0, cut) : flat).slice(0, 64);
  return /for update/i.test(flat) ? `${kind} … for update` : kind;
}

async function count(db: Kysely<Database>, query: RawBuilder<{ n: number }>): Promise<number> {
  return Number((await query.execute(db)).rows[0]?.n ?? 0);
}

async function counts(db: Kysely<Database>): Promise<[number, number, number]> {
  return [
    await count(db, sql`select count(*)::int as n from incident_events where kind = 'escalated'`),
    await count(db, sql`select count(*)::int as n from deliveries`),
    // Deliveries the queued send jobs carry (a job carries a batch of them).
    await count(
      db,
      sql`select coalesce(sum(case when payload::jsonb ? 'deliveries'
        then jsonb_array_length(payload::jsonb -> 'deliveries') else 1 end), 0)::int as n from graphile_worker._private_jobs`,
    ),
  ];
}

/** Fails the run unless the pass at T did exactly what the policy says, once per due incident. */
async function check(b: Bench, ids: readonly number[], T: DateTime): Promise<string> {
  const policy = b.config.file.escalationPolicies.find((p) => p.id === POLICY);
  if (!policy) throw new Error(`no policy ${POLICY}`);
  const targets = levelTargets(b.config.file, policy, 1, T);
  const expected = targets.people.reduce((sum, p) => sum + p.channels.length, 0);
  const rows = await sql<{ incident_id: number; n: number; pending: number; escalated: number }>`
    select d.incident_id, count(*)::int as n, count(*) filter (where d.status = 'pending')::int as pending,
      (select count(*)::int from incident_events e where e.incident_id = d.incident_id and e.kind = 'escalated')
        as escalated
    from deliveries d where d.rule = ${`escalation:${POLICY}:level-1`} and d.incident_id = any(${ids}::int[])
    group by d.incident_id`.execute(b.db);
  const ok = (r: (typeof rows.rows)[number]): boolean =>
    r.n === expected && r.pending === expected && r.escalated === 1;
  const bad = ids.length - rows.rows.filter(ok).length;
  if (bad) throw new Error(`${bad} of ${ids.length} due incidents lack exactly one level-1 escalation`);
  const atT = await count(
    b.db,
    sql`select count(*)::int as n from incident_events where kind = 'escalated' and at = ${T.toJSDate()}`,
  );
  if (atT !== ids.length) throw new Error(`${atT} escalated events at T, expected ${ids.length}`);
  const [escalated, deliveries, jobs] = await counts(b.db);
  const pending = await count(b.db, sql`select count(*)::int as n from deliveries where status = 'pending'`);
  if (jobs !== pending) throw new Error(`jobs carry ${jobs} deliveries, ${pending} are pending`);
  const again = [await fireDueEscalations(b.engine), await fireDueEscalations(b.engine)];
  b.clock.at = T.plus({ minutes: 1 });
  again.push(await fireDueEscalations(b.engine));
  const after = await counts(b.db);
  if (again.some((f) => f !== 0) || after.join() !== [escalated, deliveries, jobs].join())
    throw new Error(
      `re-runs fired ${again.join('/')}; counts ${after.join('/')}, were ${escalated}/${deliveries}/${jobs}`,
    );
  return `${atT} escalated events at T, one per due incident, ${expected} level-1 deliveries each (pending, with jobs); 3 re-runs fired 0`;
}

async function explainDue(db: Kysely<Database>, at: DateTime): Promise<{ first: string; usesIdx: boolean }> {
  // The same query as fireDueEscalations builds.
  const q = db
    .selectFrom('escalations')
    .select('incident_id')
    .where('next_at', '<=', at.toJSDate())
    .orderBy('next_at')
    .limit(DUE)
    .compile();
  const plan = await db.executeQuery<{ 'QUERY PLAN': string }>({
    ...q,
    sql: `explain (analyze, buffers) ${q.sql}`,
  });
  const lines = plan.rows.map((r) => r['QUERY PLAN']);
  const scan = lines.find((l) => l.includes('escalations_due_idx'));
  return { first: [lines[0], scan?.trim()].filter(Boolean).join('\n    '), usesIdx: scan !== undefined };
}

const stats = (xs: readonly number[]): [number, number, number] => [
  round(percentile(xs, 50)),
  round(percentile(xs, 99)),
  round(Math.max(...xs)),
];

/** One pass with the clock at `at`: its duration, and each incident's commit − pass start. */
async function timedPass(b: Bench, ids: readonly number[], at: DateTime): Promise<[number, number[]]> {
  b.clock.at = at;
  const t0 = wallMs();
  const fired = await fireDueEscalations(b.engine);
  const ms = wallMs() - t0;
  if (fired !== ids.length)
    throw new Error(`the pass at ${at.toISO()} fired ${fired}, expected ${ids.length}`);
  return [ms, ids.map((id) => (b.committedAt.get(id) ?? NaN) - t0)];
}

/** Production's tick loop on the real clock; ROUNDS batches of 100 fall due at T = now + 0.5–0.75 s. */
async function realTimeLags(b: Bench, n: number): Promise<number[]> {
  b.clock.at = undefined;
  const lags: number[] = [];
  const spans: string[] = [];
  const loop = repeat(250, b.tick, (err) => console.error('tick failed', err));
  try {
    for (let r = 2; r < ROUNDS + 2; r++) {
      const ids = dueIds(n, r);
      const dueAt = DateTime.utc().plus({ milliseconds: 500 + Math.random() * 250 });
      await makeDue(b.db, ids, dueAt);
      const deadline = wallMs() + 15_000;
      while (ids.some((id) => !b.committedAt.has(id))) {
        if (wallMs() > deadline) throw new Error(`round ${r}: not every due step fired within 15 s`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const round_ = ids.map((id) => (b.committedAt.get(id) as number) - dueAt.toMillis());
      lags.push(...round_);
      spans.push(`${Math.round(Math.min(...round_))}–${Math.round(Math.max(...round_))}`);
    }
  } finally {
    await loop.stop();
  }
  console.log(`  real-time rounds, first–last planned (ms after due): ${spans.join(', ')}`);
  return lags;
}

/** Where one escalation's time goes: a pass with the query log on, per statement kind. */
async function profiledPass(b: Bench, n: number, at: DateTime): Promise<void> {
  const ids = dueIds(n, ROUNDS + 2);
  await makeDue(b.db, ids, at);
  b.setProfiling(true);
  const [ms] = await timedPass(b, ids, at);
  b.setProfiling(false);
  const rows = [...b.profile].sort((x, y) => y[1].ms - x[1].ms);
  const inDb = rows.reduce((sum, [, v]) => sum + v.ms, 0);
  console.log(`  profile of one escalation (pass of ${DUE}, query log on: ${round(ms / DUE, 2)} ms each):`);
  for (const [kind, v] of rows.filter(([k]) => !k.startsWith('select incident_id from escalations')))
    console.log(
      `    ${round(v.ms / DUE, 2)
        .toFixed(2)
        .padStart(6)} ms  ×${round(v.calls / DUE, 1)}  ${kind}`,
    );
  console.log(
    `    ${round((ms - inDb) / DUE, 2)
      .toFixed(2)
      .padStart(6)} ms      outside queries (JS, pool, event loop)`,
  );
}

/** Four ticks at once, as four worker processes would run them: the pass time, and no double fire. */
async function concurrentPass(b: Bench, n: number, at: DateTime): Promise<number> {
  const ids = dueIds(n, ROUNDS + 3);
  await makeDue(b.db, ids, at);
  b.clock.at = at;
  const t0 = wallMs();
  const fired = await Promise.all(Array.from({ length: WORKERS }, () => fireDueEscalations(b.engine)));
  const ms = wallMs() - t0;
  const events = await sql<{ n: number; distinct: number }>`
    select count(*)::int as n, count(distinct incident_id)::int as distinct from incident_events
    where kind = 'escalated' and at = ${at.toJSDate()} and incident_id = any(${ids}::int[])`.execute(b.db);
  const { n: all = 0, distinct = 0 } = events.rows[0] ?? {};
  const total = fired.reduce((x, y) => x + y, 0);
  if (total !== DUE || all !== DUE || distinct !== DUE)
    throw new Error(`${WORKERS} workers fired ${fired.join('+')}: ${all} events for ${distinct} incidents`);
  console.log(`  ${WORKERS} concurrent ticks: fired ${fired.join(' + ')} = ${total}, each incident once`);
  return ms;
}

async function scenario(url: string, n: number): Promise<Record<string, number>> {
  const k = n >= 1000 ? `${n / 1000}k` : String(n);
  const b = await compose(url);
  try {
    const base = DateTime.utc().startOf('second');
    const T = base.plus({ minutes: 10 });
    const t0 = wallMs();
    await seed(b.db, n, base);
    console.log(`  seeded ${n} open incidents in ${Math.round(wallMs() - t0)} ms`);

    // Warm-up (JIT, connections, plans): 20 escalations five minutes before T.
    const warm = dueIds(n, 1).slice(0, 20);
    await makeDue(b.db, warm, T.minus({ minutes: 5 }));
    await timedPass(b, warm, T.minus({ minutes: 5 }));

    const ids = dueIds(n, 0);
    await makeDue(b.db, ids, T);
    b.clock.at = T.minus({ seconds: 1 });
    const idle: number[] = [];
    for (let i = 0; i < IDLE_RUNS; i++) {
      const s = wallMs();
      if ((await fireDueEscalations(b.engine)) !== 0) throw new Error('a pass before T fired');
      idle.push(wallMs() - s);
    }
    const plan = await explainDue(b.db, T);
    console.log(`  explain (analyze, buffers) of the due query at T:\n    ${plan.first}`);
    if (!plan.usesIdx) console.log('  WARNING: the due query does not use escalations_due_idx');

    const [passMs, work] = await timedPass(b, ids, T);
    console.log(`  check ok: ${await check(b, ids, T)}`);
    const lags = await realTimeLags(b, n);
    await profiledPass(b, n, T.plus({ minutes: 2 }));
    const concurrentMs = await concurrentPass(b, n, T.plus({ minutes: 3 }));

    const [w50, w99, wMax] = stats(work);
    const [l50, l99, lMax] = stats(lags);
    return {
      [`open_${k}_incidents`]: n,
      [`scan_idle_${k}_ms`]: round(percentile(idle, 50), 2),
      [`open_${k}_pass_ms`]: round(passMs),
      [`open_${k}_per_escalation_ms`]: round(passMs / DUE, 2),
      [`open_${k}_pass_${WORKERS}_workers_ms`]: round(concurrentMs),
      [`open_${k}_work_p50_ms`]: w50,
      [`open_${k}_work_p99_ms`]: w99,
      [`open_${k}_work_max_ms`]: wMax,
      [`open_${k}_p50_lag_ms`]: l50,
      [`open_${k}_p99_lag_ms`]: l99,
      [`open_${k}_max_lag_ms`]: lMax,
      [`open_${k}_lag_samples`]: lags.length,
      [`open_${k}_due_query_uses_index`]: plan.usesIdx ? 1 : 0,
    };
  } finally {
    await b.close();
  }
}

/** Both sizes; figures keyed `open_<size>_…` and `scan_idle_<size>_ms`. */
export async function run(): Promise<Record<string, number>> {
  const server = await benchServer();
  try {
    const figures: Record<string, number> = {};
    for (const n of SIZES) {
      console.log(`escalation: ${n} open incidents, ${DUE} due together`);
      const url = await server.freshDatabase(`herald_bench_escalation_${n}_${process.pid}`);
      Object.assign(figures, await scenario(url, n));
    }
    return figures;
  } finally {
    await server.stop();
  }
}

if (require.main === module) {
  run()
    .then((figures) => console.table(figures))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
