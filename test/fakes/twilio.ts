import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { FakeServer } from './base';

/**
 * A fake Twilio REST API on 127.0.0.1 for the real `twilio` client (its RequestClient pointed at
 * TWILIO_API_URL). `POST /2010-04-01/Accounts/{sid}/Messages.json` with a form body and Basic auth
 * answers 201 with a message resource (`sid` SM…, `status: queued`); wrong credentials answer 401
 * (code 20003) like Twilio. Faults per call: Twilio error codes with their status (21211 invalid
 * number, 21610 unsubscribed…), 429 with Retry-After, 5xx, a delay for client timeouts, or a
 * dropped connection.
 */
export interface TwilioCall {
  accountSid: string;
  to?: string;
  from?: string;
  messagingServiceSid?: string;
  body?: string;
  params: Record<string, string>;
  status: number;
  sid?: string;
}

export type TwilioFault =
  | { status: 429; retryAfter?: number; delayMs?: number }
  | { status: number; code?: number; message?: string; delayMs?: number }
  | { delayMs: number; status?: undefined }
  | { drop: true; status?: undefined };

export class FakeTwilio extends FakeServer<TwilioCall, TwilioFault> {
  protected readonly name = 'Twilio';

  constructor(
    readonly accountSid = `AC${'0'.repeat(31)}1`,
    readonly authToken = 'fake-twilio-auth-token',
  ) {
    super();
  }

  /** Messages Twilio accepted (201). */
  get sent(): TwilioCall[] {
    return this.calls.filter((c) => c.status === 201);
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/i.exec(req.url ?? '');
    const call: TwilioCall = {
      accountSid: match?.[1] ?? '',
      to: params.To,
      from: params.From,
      messagingServiceSid: params.MessagingServiceSid,
      body: params.Body,
      params,
      status: 0,
    };
    const admitted = await this.admit(call, res);
    if (!admitted) return;
    const { fault } = admitted;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: number, message: string, headers?: Record<string, string>): void =>
      json(
        status,
        { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
        headers,
      );

    if (req.method !== 'POST' || !match) return error(404, 20404, 'The requested resource was not found');
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (req.headers.authorization !== expected || call.accountSid !== this.accountSid) {
      return error(401, 20003, 'Authenticate');
    }
    if (fault && fault.status === 429) {
      const retryAfter =
        'retryAfter' in fault && fault.retryAfter !== undefined ? fault.retryAfter : undefined;
      return error(
        429,
        20429,
        'Too Many Requests',
        retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
      );
    }
    if (fault?.status !== undefined) {
      const code = ('code' in fault ? fault.code : undefined) ?? (fault.status >= 500 ? 20500 : 21211);
      const message = ('message' in fault ? fault.message : undefined) ?? `fake error ${code}`;
      return error(fault.status, code, message);
    }
    if (!call.to) return error(400, 21604, "A 'To' phone number is required.");
    if (!call.body) return error(400, 21602, 'Message body is required.');
    if (call.body.length > 1600)
      return error(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    call.sid = `SM${randomBytes(16).toString('hex')}`;
    json(201, {
      account_sid: this.accountSid,
      api_version: '2010-04-01',
      body: call.body,
      date_created: new Date().toUTCString(),
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: call.from ?? null,
      messaging_service_sid: call.messagingServiceSid ?? null,
      price: null,
      sid: call.sid,
      status: 'queued',
      to: call.to,
      uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${call.sid}.json`,
    });
  }
}
