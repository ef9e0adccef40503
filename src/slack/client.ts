import { LogLevel, webApi, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../common/logger';

/**
 * Bolt and the WebClient log through this adapter into Herald's pino logger. Bolt's own info
 * chatter goes to debug; warnings and errors stay what they are. Levels are pino's to decide.
 */
export function boltLogger(logger: Logger): BoltLogger {
  const line = (parts: unknown[]): string =>
    parts
      .map((p) => (p instanceof Error ? p.message : typeof p === 'string' ? p : JSON.stringify(p)))
      .join(' ');
  const child = logger.child({ component: 'slack' });
  return {
    debug: (...msg: unknown[]) => child.debug(line(msg)),
    info: (...msg: unknown[]) => child.debug(line(msg)),
    warn: (...msg: unknown[]) => child.warn(line(msg)),
    error: (...msg: unknown[]) => child.error(line(msg)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}

/**
 * WebClient options for every Slack call Herald makes. No SDK retries: a listener has 3 seconds
 * (a trigger_id expires), and background posting runs in graphile-worker jobs, which retry with
 * backoff themselves; an SDK retrying for minutes inside a job would hold a worker and hide the
 * failure. A 429 is thrown at once (`rejectRateLimitedCalls`) so the job can honour Retry-After.
 */
export function webClientOptions(apiUrl: string, logger: Logger): webApi.WebClientOptions {
  return {
    slackApiUrl: apiUrl,
    logger: boltLogger(logger),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  };
}

export function createWebClient(token: string, apiUrl: string, logger: Logger): webApi.WebClient {
  return new webApi.WebClient(token, webClientOptions(apiUrl, logger));
}

/** Seconds Slack asked us to wait, when `err` is a rate-limit (429) rejection. */
export function rateLimitedFor(err: unknown): number | undefined {
  const e = err as { code?: unknown; retryAfter?: unknown } | null;
  if (e && e.code === webApi.ErrorCode.RateLimitedError && typeof e.retryAfter === 'number')
    return e.retryAfter;
  return undefined;
}
