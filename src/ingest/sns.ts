import type { Agent } from 'node:https';
import axios from 'axios';
import Validator from 'sns-payload-validator';
import { z } from 'zod';
import type { Integration } from '../config';
import { HeraldError } from '../common/errors';
import type { AlertMapper } from './mapping';
import { oneLine, senderTime } from './text';
import type { AlertBatch } from './types';

/**
 * Amazon SNS over HTTPS: the envelope, its signature, the subscription handshake, and the
 * CloudWatch alarm inside a Notification. The envelope is parsed tolerantly (AWS adds fields);
 * the signature is checked by `sns-payload-validator`, which only fetches signing certificates
 * from `https://sns.<region>.amazonaws.com[.cn]/SimpleNotificationService-<32>.pem`.
 */
export const snsEnvelope = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().min(1).max(200),
  TopicArn: z.string().min(1).max(1024),
  Subject: z.string().max(1000).nullable().optional(),
  Message: z.string().max(300_000),
  Timestamp: z.string().max(64),
  SignatureVersion: z.enum(['1', '2'], { error: 'expected "1" or "2"' }),
  Signature: z.string().min(1).max(4096),
  SigningCertURL: z.string().min(1).max(2048),
  SubscribeURL: z.string().max(4096).optional(),
  Token: z.string().max(4096).optional(),
});
export type SnsEnvelope = z.output<typeof snsEnvelope>;

/** Hosts SNS confirms subscriptions on; the certificate host is checked by the library. */
export const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/** The library's own verdicts: the message is not from SNS (403). Anything else is ours (500, SNS retries). */
const REJECTIONS = new Set([
  'Invalid SignatureVersion',
  'Invalid SigningCertURL',
  'Invalid Signature',
  'Invalid Type',
  'Payload is not a valid JSON string',
]);

export interface SnsClientOptions {
  /**
   * The HTTPS agent for requests to SNS hosts (certificate download, subscription confirmation).
   * Production leaves it unset: Node's global agent and the real AWS hosts. This is the test
   * seam: a test passes an agent that trusts its own CA and connects to a fake SNS server on
   * 127.0.0.1. It cannot weaken verification: the certificate URL and SubscribeURL must still be
   * on an SNS host, the certificate must still be fetched over TLS from that name, and every
   * signature is still checked against it.
   */
  httpsAgent?: Agent;
  timeoutMs?: number;
}

/** Verifies envelopes and confirms subscriptions; one per module (it caches certificates). */
export class SnsClient {
  private readonly validator: Validator;
  private readonly timeoutMs: number;

  constructor(private readonly opts: SnsClientOptions = {}) {
    this.validator = new Validator({ useCache: true, maxCerts: 100, requestAgent: opts.httpsAgent });
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** Resolves when `raw` (the body as received) carries a valid SNS signature; else 403. */
  async verify(raw: Record<string, unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`SNS signing certificate not fetched within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      await Promise.race([this.validator.validate(raw as unknown as Validator.SnsPayload), timeout]);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (REJECTIONS.has(message)) {
        throw new HeraldError('Forbidden', `SNS signature verification failed: ${message}`);
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Confirms a (verified) SubscriptionConfirmation by GETting its SubscribeURL, after checking
   * that the URL is an SNS ConfirmSubscription for the same topic. Returns the subscription ARN.
   */
  async confirm(envelope: SnsEnvelope): Promise<string | null> {
    const url = checkSubscribeUrl(envelope);
    const res = await axios.get<string>(url.toString(), {
      httpsAgent: this.opts.httpsAgent,
      timeout: this.timeoutMs,
      maxRedirects: 0,
      responseType: 'text',
      validateStatus: () => true,
    });
    if (res.status !== 200) {
      throw new Error(`SNS refused the subscription confirmation (HTTP ${res.status})`);
    }
    return /<SubscriptionArn>([^<]{1,1024})<\/SubscriptionArn>/.exec(String(res.data))?.[1] ?? null;
  }
}

/** The SubscribeURL, if it is an https ConfirmSubscription on an SNS host for this topic; else 400. */
export function checkSubscribeUrl(envelope: SnsEnvelope): URL {
  const bad = (why: string) => new HeraldError('Validation', `SubscribeURL rejected: ${why}`);
  if (!envelope.SubscribeURL) throw bad('missing');
  let url: URL;
  try {
    url = new URL(envelope.SubscribeURL);
  } catch {
    throw bad('not a URL');
  }
  if (url.protocol !== 'https:' || url.username || url.password || (url.port && url.port !== '443')) {
    throw bad('not a plain https URL');
  }
  if (!SNS_HOST.test(url.hostname)) throw bad(`"${url.hostname.slice(0, 100)}" is not an SNS host`);
  if (url.searchParams.get('Action') !== 'ConfirmSubscription') throw bad('not a ConfirmSubscription');
  const topic = url.searchParams.get('TopicArn');
  if (topic !== null && topic !== envelope.TopicArn) throw bad('for another topic');
  return url;
}

/**
 * Refuses (403) a message from a topic the integration does not list in `topics`, before its
 * signature is checked: a valid signature only proves that SNS sent it, and any AWS account can
 * make SNS send to a URL it knows. Without `topics` every topic is accepted.
 */
export function checkTopic(envelope: SnsEnvelope, integration: Pick<Integration, 'id' | 'topics'>): void {
  if (integration.topics === undefined || integration.topics.includes(envelope.TopicArn)) return;
  throw new HeraldError(
    'Forbidden',
    `SNS topic ${JSON.stringify(envelope.TopicArn.slice(0, 300))} is not in the topics of integration "${integration.id}"`,
  );
}

/** Oldest and furthest-future SNS `Timestamp` accepted, from now (replays; clocks far off). */
export const SNS_MAX_AGE_MS = 60 * 60 * 1000;
export const SNS_MAX_AHEAD_MS = 5 * 60 * 1000;

/**
 * Refuses (400) a message whose `Timestamp` is more than an hour old or more than five minutes
 * ahead of `nowMs`: a signed message stays valid forever, so without this anyone holding an old
 * one (a log, a proxy) could replay it and fire or resolve an alert again.
 */
export function checkFreshness(envelope: SnsEnvelope, nowMs: number): void {
  const at = senderTime(envelope.Timestamp);
  if (at === null) {
    throw new HeraldError('Validation', 'invalid SNS message: Timestamp: expected an ISO 8601 time');
  }
  const ms = at.toMillis();
  if (ms < nowMs - SNS_MAX_AGE_MS) {
    throw new HeraldError(
      'Validation',
      `invalid SNS message: Timestamp: ${envelope.Timestamp} is more than an hour old (replayed or delayed)`,
    );
  }
  if (ms > nowMs + SNS_MAX_AHEAD_MS) {
    throw new HeraldError(
      'Validation',
      `invalid SNS message: Timestamp: ${envelope.Timestamp} is more than 5 minutes in the future`,
    );
  }
}

/** A CloudWatch alarm state change, as SNS carries it in `Message` (tolerant: AWS adds fields). */
export const cloudWatchAlarm = z.object({
  AlarmName: z.string().min(1).max(255),
  AlarmDescription: z.string().max(1024).nullable().optional(),
  AWSAccountId: z.string().max(32).optional(),
  NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  NewStateReason: z.string().max(4096).default(''),
  StateChangeTime: z.string().max(64).optional(),
  Region: z.string().max(100).optional(),
  AlarmArn: z.string().max(1024).optional(),
  Trigger: z
    .object({
      MetricName: z.string().max(255).optional(),
      Namespace: z.string().max(255).optional(),
      Dimensions: z.array(z.object({ name: z.string().max(255), value: z.string().max(1024) })).optional(),
    })
    .optional(),
});
export type CloudWatchAlarm = z.output<typeof cloudWatchAlarm>;

/**
 * Reduces an alarm to a one-alert batch, grouped per alarm. ALARM fires, OK resolves;
 * INSUFFICIENT_DATA says nothing about the service, so it is ignored (null). CloudWatch alarms
 * carry no labels, so the mapping sees `alarm_name`, `namespace`, `metric_name`, `region`,
 * `account_id` and `dimension_<name>`, and falls back to a service the alarm name starts with.
 */
export function fromCloudWatch(
  alarm: CloudWatchAlarm,
  integration: Pick<Integration, 'id' | 'autoResolve'>,
  mapper: AlertMapper,
): AlertBatch | null {
  if (alarm.NewStateValue === 'INSUFFICIENT_DATA') return null;
  const labels: Record<string, string> = { alarm_name: alarm.AlarmName };
  if (alarm.Trigger?.Namespace) labels.namespace = alarm.Trigger.Namespace;
  if (alarm.Trigger?.MetricName) labels.metric_name = alarm.Trigger.MetricName;
  if (alarm.Region) labels.region = alarm.Region;
  if (alarm.AWSAccountId) labels.account_id = alarm.AWSAccountId;
  for (const d of alarm.Trigger?.Dimensions ?? []) labels[`dimension_${d.name}`] = d.value;
  const key = alarm.AlarmArn ?? `${alarm.AWSAccountId ?? ''}:${alarm.Region ?? ''}:${alarm.AlarmName}`;
  const service = mapper.service(labels, alarm.AlarmName);
  const title = alarm.AlarmDescription ? `${alarm.AlarmName}: ${alarm.AlarmDescription}` : alarm.AlarmName;
  return {
    integrationId: integration.id,
    autoResolve: integration.autoResolve,
    groupKey: key,
    service: service ?? '',
    title: oneLine(title, 200),
    alerts: [
      {
        fingerprint: key,
        status: alarm.NewStateValue === 'ALARM' ? 'firing' : 'resolved',
        name: oneLine(alarm.AlarmName, 200),
        summary: oneLine(alarm.NewStateReason || alarm.AlarmName, 300),
        labels,
        service,
        severity: mapper.severity(labels),
        startsAt: senderTime(alarm.StateChangeTime),
        url: null,
      },
    ],
  };
}
