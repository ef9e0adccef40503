import { Writable } from 'node:stream';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { lazyChild } from '../../src/statuspage/lazy-logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'info' }, stream) as unknown as FastifyBaseLogger;
  return { logger, lines };
}

describe('lazy request logger', () => {
  it('creates no child while nothing is logged at an enabled level', () => {
    const { logger, lines } = capture();
    const child = jest.spyOn(logger, 'child');
    const log = lazyChild(logger, { reqId: 'req-1' }, { level: 'warn' });
    log.info('incoming request');
    log.debug('details');
    expect(log.level).toBe('warn');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it('logs exactly as a real child would once something is enabled', () => {
    const { logger, lines } = capture();
    const log = lazyChild(logger, { reqId: 'req-2' }, { level: 'warn' });
    log.error({ code: 'X' }, 'boom');
    log.info('still below the route level');
    log.warn('careful');
    expect(lines.map((l) => [l.reqId, l.level, l.msg, l.code])).toEqual([
      ['req-2', 50, 'boom', 'X'],
      ['req-2', 40, 'careful', undefined],
    ]);
  });
});
