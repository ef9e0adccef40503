import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { FakeServer } from './base';

/**
 * A fake Amazon SES (v1, query protocol) on 127.0.0.1, reached by the real @aws-sdk/client-ses
 * through its `endpoint` (AWS_ENDPOINT_URL_SES). It decodes `Action=SendEmail` form bodies,
 * records each call (faulted ones too, with the status answered) and answers with SES's XML:
 * `<SendEmailResponse><SendEmailResult><MessageId>` or an `<ErrorResponse>` whose code the SDK
 * turns into its typed exceptions. Faults are queued per call: an AWS error code and status, or a
 * delay (for client timeouts).
 */
export interface SesCall {
  action: string;
  params: Record<string, string>;
  source?: string;
  to: string[];
  subject?: string;
  html?: string;
  text?: string;
  tags: Record<string, string>;
  /** HTTP status answered. */
  status: number;
  messageId?: string;
  authorization?: string;
}

export type SesFault =
  /** An AWS error: e.g. `{status: 400, code: 'MessageRejected'}`, `{status: 400, code: 'Throttling'}`. */
  | { status: number; code?: string; message?: string; delayMs?: number }
  /** Answer normally, but only after `delayMs` (longer than the client timeout → timeout). */
  | { delayMs: number; status?: undefined };

const NS = 'http://ses.amazonaws.com/doc/2010-12-01/';

export class FakeSes extends FakeServer<SesCall, SesFault> {
  protected readonly name = 'SES';

  /** Calls that SES accepted (answered 200). */
  get sent(): SesCall[] {
    return this.calls.filter((c) => c.status === 200);
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const call: SesCall = {
      action: params.Action ?? '',
      params,
      source: params.Source,
      to: members(params, 'Destination.ToAddresses.member'),
      subject: params['Message.Subject.Data'],
      html: params['Message.Body.Html.Data'],
      text: params['Message.Body.Text.Data'],
      tags: tags(params),
      status: 0,
      authorization: req.headers.authorization,
    };
    const admitted = await this.admit(call, res);
    if (!admitted) return;
    const { fault } = admitted;
    const requestId = randomUUID();
    const xml = (status: number, body: string): void => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(`<?xml version="1.0"?>\n${body}`);
    };
    if (fault?.status !== undefined) {
      const code = fault.code ?? (fault.status >= 500 ? 'InternalFailure' : 'InvalidParameterValue');
      return xml(
        fault.status,
        `<ErrorResponse xmlns="${NS}"><Error><Type>${fault.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
          `<Code>${code}</Code><Message>${escapeXml(fault.message ?? code)}</Message></Error>` +
          `<RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    }
    if (call.action !== 'SendEmail') {
      return xml(
        400,
        `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>InvalidAction</Code>` +
          `<Message>unsupported by the fake</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    }
    call.messageId = `0100018c${randomUUID().replace(/-/g, '')}-000000`;
    xml(
      200,
      `<SendEmailResponse xmlns="${NS}"><SendEmailResult><MessageId>${call.messageId}</MessageId>` +
        `</SendEmailResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></SendEmailResponse>`,
    );
  }
}

/** `prefix.1`, `prefix.2`, … in order. */
function members(params: Record<string, string>, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; params[`${prefix}.${i}`] !== undefined; i++) out.push(params[`${prefix}.${i}`]!);
  return out;
}

function tags(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 1; params[`Tags.member.${i}.Name`] !== undefined; i++) {
    out[params[`Tags.member.${i}.Name`]!] = params[`Tags.member.${i}.Value`] ?? '';
  }
  return out;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
