import { sql } from 'kysely';
import { addJob } from '../../src/db/jobs';
import {
  IncidentService,
  type ChangeSubscriber,
  type IncidentChange,
} from '../../src/incidents/incident.service';
import { ManualClock } from '../../src/common/clock';
import { HeraldError } from '../../src/common/errors';
import { createTestDatabase, type TestDatabase } from '../support/db';

/** A subscriber that adds a job in the change's transaction, as the notification planner does. */
const ANNOUNCE_TASK = 'test.announce';
const announceSubscriber: ChangeSubscriber = (trx, { event }) =>
  addJob(trx, ANNOUNCE_TASK, { eventId: event.id });

let t: TestDatabase;
const clock = new ManualClock('2026-11-26T10:00:00Z');
const seen: IncidentChange[] = [];
let service: IncidentService;

beforeAll(async () => {
  t = await createTestDatabase();
  service = new IncidentService({
    db: t.db,
    clock,
    knownServices: new Set(['api', 'checkout']),
    subscribers: [announceSubscriber, async (_trx, change) => void seen.push(change)],
  });
});
afterAll(() => t.drop());

async function jobsFor(task: string): Promise<number> {
  const r = await sql<{
    n: number;
  }>`select count(*)::int as n from graphile_worker.jobs where task_identifier = ${task}`.execute(t.db);
  return r.rows[0]!.n;
}

async function rejects(p: Promise<unknown>): Promise<HeraldError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HeraldError) return e;
    throw e;
  }
  throw new Error('expected a HeraldError');
}

describe('IncidentService', () => {
  it('declares an incident with a reference, a timeline event, a subscriber call and a job, in one go', async () => {
    const jobsBefore = await jobsFor(ANNOUNCE_TASK);
    const inc = await service.declare(
      { title: 'Checkout errors', severity: 'critical', services: ['checkout'], impact: 'Payments fail' },
      'U123',
    );
    expect(inc.ref).toMatch(/^INC-\d+$/);
    expect(inc.status).toBe('investigating');
    expect(inc.startedAt.toISO()).toBe('2026-11-26T10:00:00.000Z');
    const { events } = await service.timeline(inc.ref);
    expect(events.map((e) => [e.kind, e.actor])).toEqual([['declared', 'U123']]);
    expect(seen.at(-1)?.event.kind).toBe('declared');
    expect(await jobsFor(ANNOUNCE_TASK)).toBe(jobsBefore + 1);
  });

  it('walks the lifecycle and records who, when, what, from and to', async () => {
    const inc = await service.declare({ title: 'Slow API', severity: 'high', services: ['api'] }, 'U1');
    clock.advance({ minutes: 3 });
    const ack = await service.acknowledge(inc.ref, 'U2');
    expect(ack.changed).toBe(true);
    expect(ack.incident.acknowledgedAt?.toISO()).toBe(clock.now().toISO());
    clock.advance({ minutes: 5 });
    await service.update(
      inc.ref,
      { message: 'Found a bad deploy', status: 'identified', severity: 'critical' },
      'U2',
    );
    clock.advance({ minutes: 10 });
    const resolved = await service.resolve(
      inc.ref,
      { summary: 'Rolled back', rootCause: 'bad deploy' },
      'U2',
    );
    expect(resolved.status).toBe('resolved');
    expect(resolved.rootCause).toBe('bad deploy');
    expect(resolved.resolvedAt?.diff(resolved.startedAt, 'minutes').minutes).toBe(18);

    const { events } = await service.timeline(inc.ref);
    expect(events.map((e) => e.kind)).toEqual(['declared', 'acknowledged', 'status_changed', 'resolved']);
    const change = events[2]!;
    expect(change.actor).toBe('U2');
    expect(change.message).toBe('Found a bad deploy');
    expect(change.changes).toEqual([
      { field: 'status', from: 'investigating', to: 'identified' },
      { field: 'severity', from: 'high', to: 'critical' },
    ]);
    expect(events[3]!.changes).toContainEqual({ field: 'status', from: 'identified', to: 'resolved' });
  });

  it('acknowledges once however often it is asked, even concurrently', async () => {
    const inc = await service.declare({ title: 'Flaky', severity: 'medium', services: [] }, 'U1');
    const results = await Promise.all(
      ['U7', 'U8', 'U9', 'U7', 'U8'].map((who) => service.acknowledge(inc.ref, who)),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    const winner = results.find((r) => r.changed)!.incident.acknowledgedBy;
    expect(results.every((r) => r.incident.acknowledgedBy === winner)).toBe(true);
    const { events } = await service.timeline(inc.ref);
    expect(events.filter((e) => e.kind === 'acknowledged')).toHaveLength(1);
  });

  it('refuses invalid transitions with a coded error and changes nothing', async () => {
    const inc = await service.declare({ title: 'Disk full', severity: 'low', services: [] }, 'U1');
    expect((await rejects(service.reopen(inc.ref, 'U1'))).code).toBe('InvalidTransition');
    await service.resolve(inc.ref, {}, 'U1');
    expect((await rejects(service.resolve(inc.ref, {}, 'U1'))).code).toBe('InvalidTransition');
    expect((await rejects(service.acknowledge(inc.ref, 'U1'))).code).toBe('InvalidTransition');
    expect((await rejects(service.escalate(inc.ref, 'U1'))).code).toBe('InvalidTransition');
    expect((await rejects(service.update(inc.ref, { message: 'x', status: 'monitoring' }, 'U1'))).code).toBe(
      'InvalidTransition',
    );
    const { incident, events } = await service.timeline(inc.ref);
    expect(incident.status).toBe('resolved');
    expect(events.map((e) => e.kind)).toEqual(['declared', 'resolved']);
  });

  it('reopens a resolved incident and clears its acknowledgement so escalation starts again', async () => {
    const inc = await service.declare({ title: 'Queue backlog', severity: 'high', services: [] }, 'U1');
    await service.acknowledge(inc.ref, 'U2');
    await service.resolve(inc.ref, {}, 'U2');
    const reopened = await service.reopen(inc.ref, 'U3', 'Backlog is growing again');
    expect(reopened.status).toBe('investigating');
    expect(reopened.resolvedAt).toBeNull();
    expect(reopened.acknowledgedAt).toBeNull();
    expect((await service.acknowledge(inc.ref, 'U3')).changed).toBe(true);
  });

  it('a message-only update keeps the status and is an "updated" event', async () => {
    const inc = await service.declare({ title: 'Login slow', severity: 'medium', services: [] }, 'U1');
    const same = await service.update(inc.ref, { message: 'Still looking', status: 'investigating' }, 'U1');
    expect(same.status).toBe('investigating');
    const { events } = await service.timeline(inc.ref);
    expect(events.at(-1)).toMatchObject({ kind: 'updated', message: 'Still looking', changes: [] });
  });

  it('rejects unknown services and unknown references', async () => {
    const e = await rejects(
      service.declare({ title: 'x', severity: 'low', services: ['checkout', 'nope'] }, 'U1'),
    );
    expect(e.code).toBe('Validation');
    expect(e.message).toContain('"nope"');
    expect((await rejects(service.get('INC-999999'))).code).toBe('NotFound');
    expect((await rejects(service.acknowledge('INC-999999', 'U1'))).code).toBe('NotFound');
  });

  it('rolls back the change, its event and its job when a subscriber fails', async () => {
    const failing = new IncidentService({
      db: t.db,
      clock,
      subscribers: [
        announceSubscriber,
        async () => {
          throw new Error('planner exploded');
        },
      ],
    });
    const countIncidents = async () =>
      (
        await t.db
          .selectFrom('incidents')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    const [incidentsBefore, jobsBefore] = [await countIncidents(), await jobsFor(ANNOUNCE_TASK)];
    await expect(failing.declare({ title: 'Lost?', severity: 'high', services: [] }, 'U1')).rejects.toThrow(
      'planner exploded',
    );
    expect(await countIncidents()).toBe(incidentsBefore);
    expect(await jobsFor(ANNOUNCE_TASK)).toBe(jobsBefore);
  });

  it('lists open incidents newest first and filters by service and severity', async () => {
    const a = await service.declare({ title: 'A', severity: 'info', services: ['api'] }, 'U1');
    const b = await service.declare({ title: 'B', severity: 'info', services: ['checkout'] }, 'U1');
    const open = await service.list({ status: 'open', severity: 'info', limit: 10 });
    expect(open.map((i) => i.ref)).toEqual([b.ref, a.ref]);
    expect((await service.list({ service: 'api', severity: 'info', limit: 10 })).map((i) => i.ref)).toEqual([
      a.ref,
    ]);
    expect((await service.list({ status: 'open', limit: 1, before: b.id })).map((i) => i.ref)).toEqual([
      a.ref,
    ]);
  });
});
