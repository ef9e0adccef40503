import { DateTime } from 'luxon';
import net from 'node:net';
import pg from 'pg';
import { parseConfigText } from '../../src/config';
import { isDatabaseUnavailable } from '../../src/db/connect';
import { IncidentService } from '../../src/incidents/incident.service';
import { createNotifications, type Notifications } from '../../src/notifications';
import { ManualClock } from '../../src/common/clock';
import { FakeTwilio } from '../fakes/twilio';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testModuleContext } from '../support/module-context';

/**
 * A delivery whose attempt meets a database that went away (here while rendering: a page reads the
 * incident and the ack-link key) is tried again once the database is back, never marked dead: the
 * outage is not the message's fault. And the errors of a database that is down or restarting are
 * told apart from those of a wrong query.
 */
const twilio = new FakeTwilio();
const clock = new ManualClock(DateTime.utc().startOf('second'));
const CLAIM_TIMEOUT_S = 5;
let t: TestDatabase;
let notifications: Notifications;
let incidents: IncidentService;
let down = false;
let refused: Error;

/** A real error from pg connecting to a port nobody listens on. */
async function connectionRefused(): Promise<Error> {
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  return new pg.Client({ host: '127.0.0.1', port }).connect().then(
    () => new Error('unexpectedly connected'),
    (err: Error) => err,
  );
}

beforeAll(async () => {
  await twilio.start();
  refused = await connectionRefused();
  t = await createTestDatabase();
  const config = parseConfigText(
    `
services: [{ id: api }]
people: [{ id: ada, name: Ada, phone: '+15555550101', contact_order: [sms] }]
rules: [{ name: page, notify: { people: [ada], channels: [sms] } }]
delivery: { claim_timeout_seconds: ${CLAIM_TIMEOUT_S} }
`,
    {
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+15555550000',
      TWILIO_API_URL: twilio.url,
    },
  );
  incidents = new IncidentService({ db: t.db, clock, knownServices: new Set(['api']) });
  const ctx = testModuleContext(t, config, clock, incidents);
  // The ack-link key comes from the database: while it is "down", reading it fails as pg would.
  const key = Buffer.alloc(32, 7);
  notifications = createNotifications(ctx, {
    ackSecret: () => (down ? Promise.reject(refused) : Promise.resolve(key)),
  });
  for (const sub of notifications.module.subscribers ?? []) incidents.subscribe(sub);
});

afterAll(async () => {
  await t.drop();
  await twilio.stop();
});

it('tells a database that is unreachable or restarting from a bad query', async () => {
  expect(isDatabaseUnavailable(refused)).toBe(true);
  // A session ended by the server, as in a fast shutdown: pg_terminate_backend sends the same 57P01.
  const victim = new pg.Client({ connectionString: t.url });
  const dropped: unknown[] = [];
  victim.on('error', (err) => dropped.push(err));
  await victim.connect();
  const pid = ((await victim.query('select pg_backend_pid() as pid')).rows[0] as { pid: number }).pid;
  const running = victim.query('select pg_sleep(10)').then(
    () => undefined,
    (err: unknown) => err,
  );
  await t.pool.query('select pg_terminate_backend($1)', [pid]);
  const shutdown = await running;
  expect(shutdown).toMatchObject({ code: '57P01' });
  expect(isDatabaseUnavailable(shutdown)).toBe(true);
  expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
  expect(isDatabaseUnavailable(new AggregateError([refused], 'connect failed'))).toBe(true);
  const badQuery = await t.pool.query('select nope').then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isDatabaseUnavailable(badQuery)).toBe(false);
  expect(isDatabaseUnavailable(new Error('could not render'))).toBe(false);
});

it('sends a page whose attempt met a database outage once it is back, instead of giving up', async () => {
  const incident = await incidents.declare(
    { title: 'Checkout down', severity: 'critical', services: ['api'] },
    'test',
  );
  const [delivery] = await t.db
    .selectFrom('deliveries')
    .selectAll()
    .where('incident_id', '=', incident.id)
    .execute();
  if (!delivery) throw new Error('no delivery planned');

  down = true;
  await expect(notifications.sender.process(delivery.id)).rejects.toBe(refused);
  const during = await t.db
    .selectFrom('deliveries')
    .selectAll()
    .where('id', '=', delivery.id)
    .executeTakeFirstOrThrow();
  expect(during.status).toBe('sending'); // claimed, not dead; nothing reached Twilio
  expect(twilio.sent).toHaveLength(0);

  down = false;
  clock.advance({ seconds: CLAIM_TIMEOUT_S + 1 }); // the claim of the failed attempt is released
  await notifications.ticker.tick();
  const after = await t.db
    .selectFrom('deliveries')
    .selectAll()
    .where('id', '=', delivery.id)
    .executeTakeFirstOrThrow();
  expect(after.status).toBe('sent');
  expect(twilio.sent).toHaveLength(1);
  expect(twilio.sent[0]?.body).toMatch(/\/ack\//);
});
