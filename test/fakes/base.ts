import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What every fake provider shares: an HTTP server on 127.0.0.1 (random port) that records each
 * call, takes faults to inject in order, and lets a test wait for what it expects. Each fake
 * implements `handle` the way its provider answers.
 */
export abstract class FakeServer<Call, Fault extends { delayMs?: number }> {
  readonly calls: Call[] = [];
  protected faults: Fault[] = [];
  private server?: http.Server;
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
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * Records a call and takes the next fault, waiting out its delay. Undefined when the client
   * gave up meanwhile (a timeout fault): there is no one left to answer.
   */
  protected async admit(
    call: Call,
    res: http.ServerResponse,
  ): Promise<{ fault: Fault | undefined } | undefined> {
    this.calls.push(call);
    const fault = this.faults.shift();
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs).unref());
    return res.destroyed ? undefined : { fault };
  }

  /** The next call(s) fail (or are delayed) this way, in order. */
  fail(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  reset(): void {
    this.calls.length = 0;
    this.faults = [];
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
