import { z } from 'zod';
import type { Integration } from '../config';
import type { AlertMapper } from './mapping';
import { oneLine, renderLabels, senderTime, shortHash } from './text';
import type { AlertBatch, IncomingAlert } from './types';

/**
 * Prometheus Alertmanager's webhook payload (version 4). Parsed tolerantly: Alertmanager adds
 * fields between releases (`truncatedAlerts` came in 0.20), and a receiver that refused unknown
 * fields would drop real alerts after an upgrade. Only what Herald reads is checked.
 */
const labels = z.record(z.string(), z.string());
const status = z.enum(['firing', 'resolved']);

const alert = z.object({
  status,
  labels,
  annotations: labels.default({}),
  startsAt: z.string().max(64).optional(),
  endsAt: z.string().max(64).optional(),
  generatorURL: z.string().max(4096).optional(),
  fingerprint: z.string().min(1).max(200).optional(),
});

export const alertmanagerPayload = z.object({
  version: z.string().max(16).optional(),
  groupKey: z.string().max(100_000).optional(),
  status,
  receiver: z.string().max(1000).optional(),
  alerts: z.array(alert).min(1, { error: 'at least one alert is required' }).max(10_000),
  groupLabels: labels.default({}),
  commonLabels: labels.default({}),
  commonAnnotations: labels.default({}),
  externalURL: z.string().max(4096).optional(),
});
export type AlertmanagerPayload = z.output<typeof alertmanagerPayload>;

/** Longest group key stored as sent; longer ones (huge label sets) are hashed. */
const MAX_KEY = 400;

/** Reduces a validated payload to one batch for the payload's Alertmanager group. Pure. */
export function fromAlertmanager(
  payload: AlertmanagerPayload,
  integration: Pick<Integration, 'id' | 'autoResolve'>,
  mapper: AlertMapper,
): AlertBatch {
  const rawKey = payload.groupKey ?? `{}:{${renderLabels(payload.groupLabels)}}`;
  const groupKey = rawKey.length <= MAX_KEY ? rawKey : `sha256:${shortHash(rawKey)}`;
  const alerts = payload.alerts.map((a): IncomingAlert => {
    const name = a.labels.alertname ?? payload.commonLabels.alertname ?? 'alert';
    const text = a.annotations.summary ?? a.annotations.description ?? a.annotations.message ?? name;
    const instance = a.labels.instance;
    return {
      fingerprint: a.fingerprint ?? shortHash(renderLabels(a.labels)),
      status: a.status,
      name: oneLine(name, 200),
      summary: oneLine(instance ? `${instance}: ${text}` : text, 300),
      labels: a.labels,
      service: mapper.service(a.labels),
      severity: mapper.severity(a.labels),
      startsAt: senderTime(a.startsAt),
      url: a.generatorURL ? a.generatorURL.slice(0, 2048) : null,
    };
  });
  const common = { ...payload.commonLabels, ...payload.groupLabels };
  const name = payload.groupLabels.alertname ?? payload.commonLabels.alertname ?? 'Alertmanager alert';
  const summary = payload.commonAnnotations.summary;
  const rest = renderLabels(payload.groupLabels, ['alertname']);
  const title = summary ? `${name}: ${summary}` : rest ? `${name} (${rest})` : name;
  return {
    integrationId: integration.id,
    autoResolve: integration.autoResolve,
    groupKey,
    service: mapper.service(common) ?? alerts.find((a) => a.service !== null)?.service ?? '',
    title: oneLine(title, 200),
    alerts,
  };
}
