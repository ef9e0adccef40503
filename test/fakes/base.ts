import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What every fault may add to its provider-specific answer. */
export interface FaultTiming {
  /** Answer only after this many (real) milliseconds: longer than the client's timeout = a hang. */
  delayMs?: number;
  /** Close the connection without answering (the client sees a reset). */
  drop?: boolean;
}

/**
 * What every fake provider shares: an HTTP server on 127.0.0.1 (random port) that records each
 * call, takes faults to inject in order (or from a policy, for an outage that lasts a while), and
 * lets a test wait for what it expects. Each fake implements `handle` the way its provider answers.
 */
export abstract class FakeServer<Call, Fault extends FaultTiming> {
  readonly calls: Call[] = [];
  protected faults: Fault[] = [];
  private policy?: (call: Call) => Fault | undefined;
  private server?: http.Server;
  /** While set, admitted calls wait for it before answering (see `hold`). */
  private gate?: { opened: Promise<void>; open: () => void };
  /** Calls waiting at the gate right now. */
  held = 0;
  url = '';

  /** Shown in timeout messages. */
  protected abstract readonly name: string;

  protected abstract handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * Records a call and takes its fault (the policy's, else the next queued one), waiting out its
   * delay or dropping the connection. Undefined when there is no one left to answer: the
   * connection was dropped, or the client gave up meanwhile (a timeout).
   */
  protected async admit(
    call: Call,
    res: http.ServerResponse,
  ): Promise<{ fault: Fault | undefined } | undefined> {
    this.calls.push(call);
    const fault = this.policy?.(call) ?? this.faults.shift();
    if (fault?.drop) {
      res.socket?.destroy();
      return undefined;
    }
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs).unref());
    if (this.gate) {
      this.held += 1;
      await this.gate.opened;
      this.held -= 1;
    }
    return res.destroyed ? undefined : { fault };
  }

  /**
   * Until `release()`, every call is recorded but answered only then: a test reaches "sends in
   * flight, none of them finished" as a state (wait for `held`), not by timing.
   */
  hold(): void {
    if (this.gate) return;
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    this.gate = { opened, open };
  }

  /** Answers the held calls and lets later ones through at once. */
  release(): void {
    this.gate?.open();
    this.gate = undefined;
  }

  /** The next call(s) fail (or are delayed) this way, in order. */
  fail(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  /**
   * Until cleared (`undefined`), `policy` decides each call's fault before the queued ones do; it
   * returns undefined to let a call through. For outages defined over time (a test's clock) or
   * per message (its idempotency key), which a queue in call order cannot express.
   */
  failWith(policy: ((call: Call) => Fault | undefined) | undefined): void {
    this.policy = policy;
  }

  reset(): void {
    this.calls.length = 0;
    this.faults = [];
    this.policy = undefined;
  }

  /** Waits until `predicate` holds over the recorded calls (polls every 10 ms, up to `ms`). */
  async waitFor(predicate: (calls: Call[]) => boolean, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate(this.calls)) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting on fake ${this.name}; ${this.calls.length} calls`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** The whole request body as text. */
export async function bodyOf(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
