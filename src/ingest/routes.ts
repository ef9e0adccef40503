import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Integration, IntegrationType } from '../config';
import { matchesDigest, presentedToken, secretDigest } from '../http/auth';
import { throttleOf } from '../http/throttle';
import { parse } from '../http/validate';
import type { Clock } from '../common/clock';
import { HeraldError } from '../common/errors';
import { assertCleanInput, parseUntrustedJson } from '../common/input';
import type { Logger } from '../common/logger';
import { alertmanagerPayload, fromAlertmanager } from './alertmanager';
import { fromGeneric, genericPayload } from './generic';
import type { IngestResult, IngestService } from './ingest.service';
import type { AlertBatch } from './types';
import type { AlertMapper } from './mapping';
import {
  checkFreshness,
  checkTopic,
  cloudWatchAlarm,
  fromCloudWatch,
  snsEnvelope,
  type SnsClient,
} from './sns';

/** An integration from config with its compiled mapping. */
export interface HookIntegration {
  readonly integration: Integration;
  readonly mapper: AlertMapper;
}

export interface HookLimits {
  /** Request bodies, in bytes, per hook. */
  readonly bodyLimit: Readonly<Record<IntegrationType, number>>;
  /** Hook requests being handled at once before new ones get 429. */
  readonly maxInFlight: number;
  /** Requests queued for a database connection before new ones get 429. */
  readonly maxPoolWaiting: number;
  readonly retryAfterSeconds: number;
}

export interface HookDeps {
  readonly service: IngestService;
  readonly integrations: readonly HookIntegration[];
  readonly knownServices: ReadonlySet<string>;
  readonly sns: SnsClient;
  readonly limits: HookLimits;
  /** How many callers wait for a pooled database connection right now. */
  readonly poolWaiting: () => number;
  readonly logger: Logger;
  /** For the freshness of SNS messages. */
  readonly clock: Clock;
  readonly onOverload?: () => void;
  /** Called with each ingested request's outcome (metrics). */
  readonly onIngested?: (integrationId: string, result: IngestResult) => void;
}

/**
 * The three inbound hooks. Each request is authenticated before its body is read (the token
 * names the integration), turned away with 429 + Retry-After when Herald is saturated, parsed
 * with zod, reduced to one alert batch and handed to the ingest service.
 */
export async function registerHookRoutes(app: FastifyInstance, deps: HookDeps): Promise<void> {
  const integrationOf = new WeakMap<FastifyRequest, HookIntegration>();
  let inFlight = 0;
  // JSON only (415 otherwise); the SNS route below adds text/plain back for itself.
  app.removeContentTypeParser('text/plain');

  const guard = (type: IntegrationType) => async (req: FastifyRequest, reply: FastifyReply) => {
    const found = authenticate(req, type, deps.integrations);
    const { maxInFlight, maxPoolWaiting, retryAfterSeconds } = deps.limits;
    if (inFlight >= maxInFlight || deps.poolWaiting() >= maxPoolWaiting) {
      deps.onOverload?.();
      return reply
        .code(429)
        .header('retry-after', String(retryAfterSeconds))
        .send({ error: { code: 'Overloaded', message: `Herald is busy; retry in ${retryAfterSeconds} s` } });
    }
    inFlight++;
    reply.raw.once('close', () => inFlight--);
    integrationOf.set(req, found);
  };
  const ingest = async (batch: AlertBatch): Promise<IngestResult> => {
    const result = await deps.service.ingest(batch);
    deps.onIngested?.(batch.integrationId, result);
    return result;
  };
  const hook = (req: FastifyRequest): HookIntegration => {
    const found = integrationOf.get(req);
    if (!found) throw new Error('hook request without an authenticated integration');
    return found;
  };

  app.post(
    '/hooks/alertmanager',
    { bodyLimit: deps.limits.bodyLimit.alertmanager, onRequest: guard('alertmanager') },
    async (req) => {
      const { integration, mapper } = hook(req);
      const payload = parse(alertmanagerPayload, req.body);
      return ingest(fromAlertmanager(payload, integration, mapper));
    },
  );

  app.post(
    '/hooks/generic',
    { bodyLimit: deps.limits.bodyLimit.generic, onRequest: guard('generic') },
    async (req) => {
      const { integration, mapper } = hook(req);
      const payload = parse(genericPayload, req.body);
      return ingest(fromGeneric(payload, integration, mapper, deps.knownServices));
    },
  );

  // SNS posts JSON as text/plain; the parser is scoped to this route's own plugin.
  await app.register(async (sns) => {
    sns.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => {
      let parsed: unknown;
      try {
        parsed = parseUntrustedJson(body as string, 'body');
      } catch (err) {
        done(err as Error);
        return;
      }
      done(null, parsed);
    });
    sns.post('/hooks/sns', { bodyLimit: deps.limits.bodyLimit.sns, onRequest: guard('sns') }, async (req) => {
      const { integration, mapper } = hook(req);
      const envelope = parse(snsEnvelope, req.body, 'SNS message');
      checkTopic(envelope, integration);
      checkFreshness(envelope, deps.clock.millis());
      await deps.sns.verify(req.body as Record<string, unknown>);
      if (envelope.Type === 'SubscriptionConfirmation') {
        const subscription = await deps.sns.confirm(envelope);
        deps.logger.info(
          { integration: integration.id, topic: envelope.TopicArn, subscription },
          `SNS subscription to ${envelope.TopicArn} confirmed for integration ${integration.id}`,
        );
        return { confirmed: true, subscription_arn: subscription };
      }
      if (envelope.Type === 'UnsubscribeConfirmation') {
        deps.logger.warn({ integration: integration.id, topic: envelope.TopicArn }, 'SNS subscription ended');
        return { ignored: 'UnsubscribeConfirmation' };
      }
      const message = parseUntrustedJson(
        envelope.Message,
        'SNS message: Message',
        'invalid SNS message: Message is not a CloudWatch alarm (not JSON)',
      );
      assertCleanInput(message, 'CloudWatch alarm');
      const alarm = parse(cloudWatchAlarm, message, 'CloudWatch alarm');
      const batch = fromCloudWatch(alarm, integration, mapper);
      if (!batch) return { ignored: alarm.NewStateValue };
      return ingest(batch);
    });
  });
}

/** Digests of configured tokens, computed once per integration (every hook request compares them). */
const tokenDigests = new WeakMap<Integration, Buffer>();
function tokenDigest(integration: Integration): Buffer {
  let digest = tokenDigests.get(integration);
  if (!digest) tokenDigests.set(integration, (digest = secretDigest(integration.token)));
  return digest;
}

/**
 * The integration of this hook's type whose token the request presents (Bearer, basic-auth
 * password, or `?token=`: SNS and many tools can only put secrets in the URL). Every candidate is
 * compared, in constant time, so timing says nothing about which one matched. An address with
 * too many recent failures gets 429 before any comparison (see AuthThrottle).
 */
export function authenticate(
  req: FastifyRequest,
  type: IntegrationType,
  integrations: readonly HookIntegration[],
): HookIntegration {
  const throttle = throttleOf(req);
  throttle.check(req.ip);
  const given = presentedToken(req, true);
  if (!given) {
    throw new HeraldError(
      'Unauthorized',
      'missing credentials: send Authorization: Bearer <token> or ?token=',
    );
  }
  const digest = secretDigest(given);
  let found: HookIntegration | undefined;
  for (const candidate of integrations) {
    if (candidate.integration.type !== type) continue;
    if (matchesDigest(digest, tokenDigest(candidate.integration)) && !found) found = candidate;
  }
  if (!found) {
    throttle.fail(req.ip);
    throw new HeraldError('Unauthorized', `invalid token for the ${type} hook`);
  }
  return found;
}
