import http from 'node:http';
import { FakeServer } from './base';

/**
 * A fake PagerDuty Events API v2 on 127.0.0.1 (`POST /v2/enqueue`, PAGERDUTY_EVENTS_URL). It
 * validates events as PagerDuty does (routing key, action, trigger payload with summary ≤ 1024,
 * source, severity) and answers 202 `{status: 'success', message: 'Event processed', dedup_key}`
 * or 400 `{status: 'invalid event', message, errors}`. It also keeps PagerDuty's alert state per
 * dedup key, so a test can see that a repeated trigger folds into one alert. Faults per call: 429
 * with Retry-After, 5xx, 400, or a delay for client timeouts.
 */
export interface PagerDutyEvent {
  routing_key?: string;
  event_action?: string;
  dedup_key?: string;
  payload?: {
    summary?: string;
    source?: string;
    severity?: string;
    timestamp?: string;
    custom_details?: unknown;
  };
  [key: string]: unknown;
}

export interface PagerDutyCall {
  event: PagerDutyEvent;
  status: number;
  headers: http.IncomingHttpHeaders;
}

export interface PagerDutyAlert {
  status: 'triggered' | 'acknowledged' | 'resolved';
  /** Accepted events of any action for this dedup key. */
  events: number;
}

export type PagerDutyFault =
  | { status: number; /** Seconds, or an HTTP date. */ retryAfter?: number | string; delayMs?: number }
  | { delayMs: number; status?: undefined };

const ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const SEVERITIES = ['critical', 'error', 'warning', 'info'];

export class FakePagerDuty extends FakeServer<PagerDutyCall, PagerDutyFault> {
  protected readonly name = 'PagerDuty';
  /** Alert state by dedup key, as PagerDuty folds events. */
  readonly alerts = new Map<string, PagerDutyAlert>();

  override reset(): void {
    super.reset();
    this.alerts.clear();
  }
  private counter = 0;

  /** What PAGERDUTY_EVENTS_URL should be set to. */
  get eventsUrl(): string {
    return `${this.url}/v2/enqueue`;
  }

  /** Events PagerDuty accepted (202). */
  get accepted(): PagerDutyCall[] {
    return this.calls.filter((c) => c.status === 202);
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let event: PagerDutyEvent = {};
    let parseError: string | undefined;
    try {
      event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PagerDutyEvent;
    } catch {
      parseError = 'Invalid JSON';
    }
    const call: PagerDutyCall = { event, status: 0, headers: req.headers };
    const admitted = await this.admit(call, res);
    if (!admitted) return;
    const { fault } = admitted;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (fault?.status === 429) {
      const headers: Record<string, string> =
        fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) };
      return json(
        429,
        { status: 'throttle event', message: 'Requests for this service are arriving too quickly.' },
        headers,
      );
    }
    if (fault?.status !== undefined) {
      return json(fault.status, {
        status: 'error',
        message: `fake error ${fault.status}`,
        errors: ['fault injected'],
      });
    }
    if (req.method !== 'POST' || req.url !== '/v2/enqueue')
      return json(404, { status: 'error', message: 'Not found' });
    const errors = parseError ? [parseError] : validate(event);
    if (errors.length)
      return json(400, { status: 'invalid event', message: 'Event object is invalid', errors });

    const dedupKey = event.dedup_key ?? `generated-${++this.counter}`;
    const alert = this.alerts.get(dedupKey);
    if (event.event_action === 'trigger') {
      this.alerts.set(dedupKey, { status: alert?.status ?? 'triggered', events: (alert?.events ?? 0) + 1 });
    } else if (alert) {
      const next = event.event_action === 'resolve' ? 'resolved' : 'acknowledged';
      this.alerts.set(dedupKey, {
        status: alert.status === 'resolved' ? 'resolved' : next,
        events: alert.events + 1,
      });
    }
    json(202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  }
}

function validate(e: PagerDutyEvent): string[] {
  const errors: string[] = [];
  if (typeof e.routing_key !== 'string' || e.routing_key.length !== 32) {
    errors.push("'routing_key' must be a 32-character integration key");
  }
  if (!ACTIONS.includes(String(e.event_action))) errors.push("'event_action' is invalid");
  if (e.event_action !== 'trigger' && !e.dedup_key)
    errors.push("'dedup_key' is required for acknowledge and resolve");
  if (e.event_action === 'trigger') {
    const p = e.payload;
    if (!p) errors.push("'payload' is missing or null");
    else {
      if (!p.summary) errors.push("'payload.summary' is missing or blank");
      else if (p.summary.length > 1024) errors.push("'payload.summary' is longer than 1024 characters");
      if (!p.source) errors.push("'payload.source' is missing or blank");
      if (!SEVERITIES.includes(String(p.severity))) errors.push("'payload.severity' is invalid");
    }
  }
  return errors;
}
