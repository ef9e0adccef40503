import { createLogger, type Logger } from '../../src/common/logger';

/** Herald's real logger (same redaction and serializers) writing into memory, for tests that read the log. */
export function captureLogs(level: string): { logger: Logger; text(): string; lines(): unknown[] } {
  const chunks: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void chunks.push(line) });
  const text = (): string => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as unknown),
  };
}
