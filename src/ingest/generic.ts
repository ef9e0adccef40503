import { z } from 'zod';
import type { Integration } from '../config';
import { SEVERITIES } from '../config/vocabulary';
import { HeraldError } from '../common/errors';
import type { AlertMapper } from './mapping';
import { oneLine } from './text';
import type { AlertBatch } from './types';

/**
 * The generic hook: `{title, severity?, service?, dedup_key?, status?, details?}`. Strict, unlike
 * the Alertmanager hook: the sender is a script someone is writing against Herald's docs, and a
 * misspelt `sevrity` must fail loudly instead of silently paging at the default severity.
 */
export const genericPayload = z.strictObject({
  title: z.string().trim().min(1).max(200),
  severity: z.enum(SEVERITIES, { error: `expected one of: ${SEVERITIES.join(', ')}` }).optional(),
  service: z.string().trim().min(1).max(60).optional(),
  /** Alerts with the same key are one alert; defaults to the title. */
  dedup_key: z.string().trim().min(1).max(255).optional(),
  status: z.enum(['firing', 'resolved']).default('firing'),
  details: z.record(z.string().max(100), z.unknown()).optional(),
});
export type GenericPayload = z.output<typeof genericPayload>;

const MAX_DETAILS = 30;

/** Details as labels (strings), so rules can match them and the incident lists them. */
function detailLabels(details: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(details ?? {}).slice(0, MAX_DETAILS)) {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    out[k] = oneLine(text ?? 'null', 500);
  }
  return out;
}

/**
 * Reduces a validated payload to a one-alert batch. A named service must be a configured one
 * (the caller can fix that: 400); without one, the integration's rules and default apply.
 */
export function fromGeneric(
  payload: GenericPayload,
  integration: Pick<Integration, 'id' | 'autoResolve'>,
  mapper: AlertMapper,
  knownServices: ReadonlySet<string>,
): AlertBatch {
  if (payload.service !== undefined && knownServices.size > 0 && !knownServices.has(payload.service)) {
    throw new HeraldError(
      'Validation',
      `invalid body: service: unknown service "${payload.service}" (known: ${[...knownServices].join(', ')})`,
    );
  }
  const key = payload.dedup_key ?? payload.title;
  const labels = { ...detailLabels(payload.details), title: payload.title, dedup_key: key };
  const service = payload.service ?? mapper.service(labels);
  return {
    integrationId: integration.id,
    autoResolve: integration.autoResolve,
    groupKey: key,
    service: service ?? '',
    title: oneLine(payload.title, 200),
    alerts: [
      {
        fingerprint: key,
        status: payload.status,
        name: oneLine(payload.title, 200),
        summary: oneLine(payload.title, 300),
        labels: detailLabels(payload.details),
        service,
        severity: payload.severity ?? mapper.severity(labels),
        startsAt: null,
        url: null,
      },
    ],
  };
}
