import http from 'node:http';
import { FakeServer } from './base';
import { Webhook } from 'standardwebhooks';

/**
 * A webhook receiver on 127.0.0.1 that checks Standard Webhooks signatures the way a customer's
 * endpoint would: with the `standardwebhooks` library's `verify` over the raw body, the
 * `webhook-id`, `webhook-timestamp` and `webhook-signature` headers and the shared `whsec_` secret
 * (which also rejects timestamps more than five minutes from now). Every request is recorded with
 * `verified` and, when it failed, why. Faults per call: any status (410, 500…), 429 with
 * Retry-After, a delay for client timeouts, or a dropped connection.
 */
export interface WebhookRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  json: unknown;
  /** The webhook-id header: the delivery's idempotency key. */
  id?: string;
  verified: boolean;
  verifyError?: string;
  status: number;
}

export type WebhookFault =
  | { status: number; /** Seconds, or an HTTP date. */ retryAfter?: number | string; delayMs?: number }
  | { delayMs: number; status?: undefined }
  | { drop: true; status?: undefined };

export class FakeWebhookReceiver extends FakeServer<WebhookRequest, WebhookFault> {
  protected readonly name = 'webhook receiver';

  /** `secret`: the endpoint's `whsec_…` secret; without one nothing can verify. */
  constructor(private readonly secret?: string) {
    super();
  }

  /** Every request received, verified or not (the recorded calls). */
  get requests(): WebhookRequest[] {
    return this.calls;
  }

  /** Requests answered 2xx whose signature verified. */
  get accepted(): WebhookRequest[] {
    return this.requests.filter((r) => r.verified && r.status < 300);
  }

  /** Distinct webhook-ids answered 2xx: what a receiver that de-duplicates would process. */
  get uniqueIds(): string[] {
    return [...new Set(this.requests.filter((r) => r.status < 300).flatMap((r) => (r.id ? [r.id] : [])))];
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const record: WebhookRequest = {
      path: req.url ?? '/',
      headers: req.headers,
      body,
      json: safeJson(body),
      id: header('webhook-id'),
      verified: false,
      status: 0,
    };
    try {
      if (!this.secret) throw new Error('receiver has no secret');
      new Webhook(this.secret).verify(body, {
        'webhook-id': header('webhook-id') ?? '',
        'webhook-timestamp': header('webhook-timestamp') ?? '',
        'webhook-signature': header('webhook-signature') ?? '',
      });
      record.verified = true;
    } catch (err) {
      record.verifyError = (err as Error).message;
    }
    const admitted = await this.admit(record, res);
    if (!admitted) return;
    const { fault } = admitted;
    const status = fault?.status ?? (this.secret && !record.verified ? 401 : 204);
    const headers: Record<string, string> =
      fault && 'retryAfter' in fault && fault.retryAfter !== undefined
        ? { 'retry-after': String(fault.retryAfter) }
        : {};
    record.status = status;
    res.writeHead(status, headers);
    res.end();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
