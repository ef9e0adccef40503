import type { HeraldFile } from '../config';
import { eventJson, incidentJson } from '../http/api/serialize';
import type { Incident, TimelineEvent } from '../incidents/incident';
// eslint-disable-next-line no-restricted-imports -- a known crossing, see docs/ARCHITECTURE.md
import { executiveSummary } from '../slack/views/executive';
import type { OutboundMessage } from './channels/types';
import { renderEmail } from './render/email';
import type { MessageContent } from './render/content';
import { renderSlack } from './render/slack-blocks';
import { renderSms } from './render/sms';
import type { DeliveryRow } from './tables';
import { buildContent, type TemplateContext } from './templates';

/**
 * Renders one delivery for its channel: the audience's content in the channel's format, plus the
 * machine payloads (PagerDuty, webhook, SNS). Pure: the sender loads the rows and calls this.
 */
export interface ComposeContext extends TemplateContext {
  readonly file: HeraldFile;
  /** PagerDuty routing key from the environment; a rule may name its own. */
  readonly pagerdutyRoutingKey?: string;
}

const PD_SEVERITY = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
} as const;
const PD_ACTION = { acknowledged: 'acknowledge', resolved: 'resolve' } as const;

export function composeIncidentMessage(
  d: DeliveryRow,
  incident: Incident,
  event: TimelineEvent,
  ctx: ComposeContext,
): OutboundMessage {
  const audience = d.audience as Parameters<typeof buildContent>[2];
  const content = buildContent(incident, event, audience, ctx);
  const base = { idempotencyKey: d.idempotency_key, deliveryId: d.id, address: d.address };
  switch (d.channel) {
    case 'slack':
    case 'slack_channel': {
      if (audience === 'executive' && d.channel === 'slack') {
        const summary = executiveSummary({
          incident,
          event,
          orgName: ctx.orgName,
          publicUrl: ctx.publicUrl,
          nextUpdateDue: incident.status === 'resolved' ? null : event.at.plus({ minutes: 30 }),
          serviceNames: incident.services.map((s) => ctx.serviceNames.get(s) ?? s),
        });
        return { ...base, subject: content.subject, text: summary.text, blocks: summary.blocks };
      }
      const slack = renderSlack(content);
      return { ...base, subject: content.subject, text: slack.text, blocks: slack.blocks };
    }
    case 'pagerduty': {
      const rule = ctx.file.rules.find((r) => r.name === d.rule);
      const action = PD_ACTION[event.kind as keyof typeof PD_ACTION] ?? 'trigger';
      return {
        ...base,
        subject: content.subject,
        text: content.subject,
        data: { incident: incidentJson(incident), event: eventJson(event) },
        pagerduty: {
          action,
          dedupKey: `herald-${incident.ref}`,
          severity: PD_SEVERITY[incident.severity],
          routingKey: rule?.notify.pagerdutyRoutingKey ?? ctx.pagerdutyRoutingKey,
        },
      };
    }
    case 'webhook': {
      const hook = ctx.file.webhooks.find((w) => w.id === d.recipient_id);
      return {
        ...base,
        subject: content.subject,
        text: content.subject,
        data: { type: `incident.${event.kind}`, incident: incidentJson(incident), event: eventJson(event) },
        webhook: { url: hook?.url ?? d.address, secret: hook?.secret, timeoutMs: hook?.timeoutMs ?? 10_000 },
      };
    }
    default:
      return composeContent(d, content, ctx.orgName, {
        incident: incidentJson(incident),
        event: eventJson(event),
      });
  }
}

/** Email, SMS, SNS, console and status-page formats of any content (incident or not). */
export function composeContent(
  d: DeliveryRow,
  content: MessageContent,
  orgName: string,
  /** The machine payload for SNS's structured subscribers (http, sqs, lambda...). */
  machine?: Readonly<Record<string, unknown>>,
): OutboundMessage {
  const base = { idempotencyKey: d.idempotency_key, deliveryId: d.id, address: d.address };
  switch (d.channel) {
    case 'email': {
      const email = renderEmail(content, { orgName });
      return { ...base, subject: email.subject, text: email.text, html: email.html };
    }
    case 'sms':
    case 'sns_sms':
      return { ...base, subject: content.subject, text: renderSms(content).text };
    case 'sns': {
      const email = renderEmail(content, { orgName });
      return {
        ...base,
        subject: content.subject,
        text: email.text,
        smsText: renderSms(content).text,
        data: machine,
      };
    }
    case 'slack':
    case 'slack_channel': {
      const slack = renderSlack(content);
      return { ...base, subject: content.subject, text: slack.text, blocks: slack.blocks };
    }
    default: // console, statuspage: one line
      return {
        ...base,
        subject: content.subject,
        text: [content.subject, ...content.paragraphs.slice(0, 1)].join(' - '),
      };
  }
}
