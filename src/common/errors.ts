/**
 * Coded errors. Every error a caller can fix carries a code; the edges (HTTP error handler,
 * Slack `app.error`, the CLI) map codes to a status or message. Anything without a code is a bug
 * and is reported with a reference id instead of its text.
 */
export type ErrorCode =
  | 'Validation'
  | 'NotFound'
  | 'InvalidTransition'
  | 'Forbidden'
  | 'Unauthorized'
  | 'Conflict'
  /** Was valid once and never will be again (an acknowledge link from before a reopen). */
  | 'Gone'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'Config'
  | 'PermanentDelivery'
  | 'RateLimited'
  | 'Unavailable';

/** HTTP status for each code; codes absent here are server-side (500). */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  Validation: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  InvalidTransition: 409,
  Gone: 410,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  RateLimited: 429,
  Config: 500,
  PermanentDelivery: 502,
  Unavailable: 503,
};

export class HeraldError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable detail (e.g. the path of an invalid field). */
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = `HeraldError(${code})`;
  }
}

export const validation = (message: string, details?: Record<string, unknown>): HeraldError =>
  new HeraldError('Validation', message, details);
export const notFound = (message: string): HeraldError => new HeraldError('NotFound', message);

export function isHeraldError(err: unknown): err is HeraldError {
  return err instanceof HeraldError;
}
