import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { FakeServer } from './base';

/**
 * A fake Amazon SNS (query protocol) on 127.0.0.1 for the real @aws-sdk/client-sns, reached
 * through `endpoint` (AWS_ENDPOINT_URL_SNS). It decodes `Action=Publish` (topic or phone number),
 * records each call with its message attributes, and answers `<PublishResponse><PublishResult>
 * <MessageId>` or an AWS `<ErrorResponse>`. Like SNS, a FIFO topic (`….fifo`) drops a publish whose
 * `MessageDeduplicationId` it has seen (same MessageId back, nothing delivered): `delivered`
 * lists what subscribers would receive.
 */
export interface SnsCall {
  action: string;
  params: Record<string, string>;
  topicArn?: string;
  phoneNumber?: string;
  message?: string;
  messageStructure?: string;
  subject?: string;
  attributes: Record<string, { dataType: string; value: string }>;
  deduplicationId?: string;
  groupId?: string;
  status: number;
  messageId?: string;
  /** A FIFO repeat that SNS accepted but did not deliver. */
  duplicate?: boolean;
}

export type SnsFault =
  | { status: number; code?: string; message?: string; delayMs?: number }
  | { delayMs: number; status?: undefined };

const NS = 'http://sns.amazonaws.com/doc/2010-03-31/';

export class FakeSns extends FakeServer<SnsCall, SnsFault> {
  protected readonly name = 'SNS';
  private seenDedup = new Map<string, string>();

  override reset(): void {
    super.reset();
    this.seenDedup.clear();
  }

  /** Publishes subscribers would receive: accepted, and not a FIFO duplicate. */
  get delivered(): SnsCall[] {
    return this.calls.filter((c) => c.status === 200 && !c.duplicate);
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const call: SnsCall = {
      action: params.Action ?? '',
      params,
      topicArn: params.TopicArn,
      phoneNumber: params.PhoneNumber,
      message: params.Message,
      messageStructure: params.MessageStructure,
      subject: params.Subject,
      attributes: attributes(params),
      deduplicationId: params.MessageDeduplicationId,
      groupId: params.MessageGroupId,
      status: 0,
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
    const error = (status: number, code: string, message: string): void =>
      xml(
        status,
        `<ErrorResponse xmlns="${NS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
          `<Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>` +
          `<RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    if (fault?.status !== undefined) {
      const code = fault.code ?? (fault.status >= 500 ? 'InternalError' : 'InvalidParameter');
      return error(fault.status, code, fault.message ?? code);
    }
    if (call.action !== 'Publish') return error(400, 'InvalidAction', 'unsupported by the fake');
    if (!call.topicArn === !call.phoneNumber) {
      return error(400, 'InvalidParameter', 'Invalid parameter: exactly one of TopicArn, PhoneNumber');
    }
    if (call.messageStructure === 'json' && !hasDefault(call.message)) {
      return error(
        400,
        'InvalidParameter',
        'Invalid parameter: Message Structure - No default entry in JSON message body',
      );
    }
    const dedupKey = call.topicArn?.endsWith('.fifo')
      ? `${call.topicArn}|${call.deduplicationId}`
      : undefined;
    if (dedupKey && !call.deduplicationId) {
      return error(400, 'InvalidParameter', 'Invalid parameter: MessageDeduplicationId required');
    }
    const seen = dedupKey ? this.seenDedup.get(dedupKey) : undefined;
    call.duplicate = seen !== undefined;
    call.messageId = seen ?? randomUUID();
    if (dedupKey) this.seenDedup.set(dedupKey, call.messageId);
    xml(
      200,
      `<PublishResponse xmlns="${NS}"><PublishResult><MessageId>${call.messageId}</MessageId>` +
        `</PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
    );
  }
}

/** `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`. */
function attributes(params: Record<string, string>): SnsCall['attributes'] {
  const out: SnsCall['attributes'] = {};
  for (let i = 1; params[`MessageAttributes.entry.${i}.Name`] !== undefined; i++) {
    const p = `MessageAttributes.entry.${i}`;
    out[params[`${p}.Name`]!] = {
      dataType: params[`${p}.Value.DataType`] ?? '',
      value: params[`${p}.Value.StringValue`] ?? '',
    };
  }
  return out;
}

function hasDefault(message: string | undefined): boolean {
  try {
    const parsed = JSON.parse(message ?? '') as Record<string, unknown>;
    return typeof parsed.default === 'string';
  } catch {
    return false;
  }
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
