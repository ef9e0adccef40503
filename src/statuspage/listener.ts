import pg from 'pg';
import { sql } from 'kysely';
import type { Db } from '../db/schema';
import type { Logger } from '../common/logger';

/** The channel on which every process hears that something shown on the status pages changed. */
export const CHANNEL = 'herald_statuspage';

/**
 * Announces a change inside the writer's transaction: PostgreSQL delivers NOTIFY at commit, and
 * not at all on rollback, so listeners never invalidate for a change that did not happen.
 */
export async function notifyChange(trx: Db, what: string): Promise<void> {
  await sql`select pg_notify(${CHANNEL}, ${what.slice(0, 200)})`.execute(trx);
}

const MAX_BACKOFF_MS = 30_000;

/**
 * LISTENs on a dedicated connection (not a pooled one: a LISTEN lives as long as its session).
 * A lost connection is reconnected with backoff; while it is down the cache is told it is not
 * live, and on reconnection it is invalidated, since notifications may have been missed.
 */
export class ChangeListener {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private backoff = 500;

  constructor(
    private readonly deps: {
      connection: pg.ClientConfig;
      logger: Logger;
      onChange: (payload: string) => void;
      onLive: (live: boolean) => void;
    },
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    this.deps.onLive(false);
    await client?.end().catch(() => undefined); // already broken: nothing left to close
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.deps.connection);
    client.on('notification', (msg) => {
      if (msg.channel === CHANNEL) this.deps.onChange(msg.payload ?? '');
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
    } catch (err) {
      this.lost(client, err as Error);
      return;
    }
    if (this.stopped) {
      await client.end();
      return;
    }
    this.client = client;
    this.backoff = 500;
    this.deps.onLive(true);
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.stopped || (this.client !== null && this.client !== client)) return;
    if (this.timer) return; // a reconnection is already scheduled
    this.client = null;
    this.deps.onLive(false);
    this.deps.logger.warn(
      { err: err.message, retryInMs: this.backoff },
      'status page change notifications lost; reconnecting',
    );
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, this.backoff);
    this.timer.unref();
    this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2);
  }
}
