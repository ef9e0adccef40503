import type { DateTime } from 'luxon';
import type { Trx } from '../db/schema';
import type { Incident, OpenStatus, Severity } from './incident';

/** What callers hand the incident service (incident.service.ts), and what some calls answer. */

export interface DeclareInput {
  title: string;
  severity: Severity;
  services: readonly string[];
  description?: string;
  impact?: string;
  commander?: string | null;
  /** When the outage began, if earlier than the declaration (alerts know this). */
  startedAt?: DateTime;
  source?: 'api' | 'slack' | 'alert';
  /** What public surfaces show; default the title (callers with an unsafe title pass their own). */
  publicTitle?: string;
  /**
   * Whether it is public from the start. Default: yes for incidents people declare, no for
   * alerts (a person publishes those); always no when private.
   */
  published?: boolean;
  /** Never public (a security incident). Default false. */
  private?: boolean;
}

export interface UpdateInput {
  message: string;
  publicMessage?: string | null;
  status?: OpenStatus | 'resolved';
  severity?: Severity;
  title?: string;
  description?: string;
  impact?: string;
  services?: readonly string[];
  commander?: string | null;
  publicTitle?: string;
  /** Making an incident private hides it at once; making it non-private does not publish it. */
  private?: boolean;
}

export interface PublishInput {
  /** Replaces the public title as it is published. */
  publicTitle?: string;
}

export interface PublishResult {
  incident: Incident;
  /** False when it was already published under that title (a repeated request). */
  changed: boolean;
}

export interface ResolveInput {
  summary?: string;
  publicMessage?: string | null;
  rootCause?: string;
  resolutionSteps?: string;
}

/** Options of `IncidentService.acknowledge`. */
export interface AckOptions {
  /**
   * Runs inside the acknowledgement's transaction, with the incident locked and known to be open,
   * before anything is written; throwing refuses the acknowledgement and rolls back whatever the
   * check wrote. Acknowledge links use it to burn their nonce in the same transaction (a refused
   * acknowledgement leaves the link usable) and to check the link's open period.
   */
  readonly check?: (trx: Trx, before: Incident) => Promise<void>;
}

export interface AckResult {
  incident: Incident;
  /** False when the incident was already acknowledged: a double click or a retried request. */
  changed: boolean;
}
