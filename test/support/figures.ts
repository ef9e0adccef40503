import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes a fault test's figures (counts, simulated and wall time) to
 * `test-artifacts/faults-<name>.json` (ignored by git), where the README's Reliability figures
 * come from. Tests print nothing.
 */
export function recordFigures(name: string, figures: Record<string, unknown>): void {
  const dir = path.resolve(__dirname, '../../test-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `faults-${name}.json`), `${JSON.stringify(figures, null, 2)}\n`);
}
