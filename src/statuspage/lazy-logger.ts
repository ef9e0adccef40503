import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

type ChildLoggerFactory = Parameters<FastifyInstance['setChildLoggerFactory']>[0];

/**
 * fastify builds a pino child logger (bindings serialised, redaction set up) for every request,
 * and on a route answered from memory that is a large share of the work. This factory hands out a
 * stand-in that creates the real child only when something is actually logged at an enabled
 * level, so output is unchanged (same bindings, same level) and a silent request costs nothing.
 */
const LEVELS: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};
type Method = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export function lazyChild(
  parent: FastifyBaseLogger,
  bindings: Record<string, unknown>,
  opts: { level?: string },
): FastifyBaseLogger {
  let real: FastifyBaseLogger | null = null;
  const get = (): FastifyBaseLogger => (real ??= parent.child(bindings, opts));
  const levelName = opts.level ?? parent.level;
  const threshold = LEVELS[levelName] ?? LEVELS.info ?? 30;
  const method =
    (name: Method) =>
    (...args: unknown[]): void => {
      if ((LEVELS[name] ?? 0) < threshold && real === null) return;
      (get()[name] as (...a: unknown[]) => void)(...args);
    };
  const stub = {
    get level(): string {
      return real ? real.level : levelName;
    },
    set level(value: string) {
      get().level = value;
    },
    trace: method('trace'),
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    fatal: method('fatal'),
    silent: () => undefined,
    child: (b: Record<string, unknown>, o?: { level?: string }) => get().child(b, o),
  };
  return stub as unknown as FastifyBaseLogger;
}

export const lazyChildLoggerFactory: ChildLoggerFactory = (logger, bindings, opts) =>
  lazyChild(logger, bindings as Record<string, unknown>, opts as { level?: string });
