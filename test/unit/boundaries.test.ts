import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * Module boundaries are the linter's to enforce (eslint.config.mjs, docs/ARCHITECTURE.md): the rule
 * must reject a deep import across modules and the database in an edge, and let the module's own
 * index through. ESLint runs as `npm run lint` runs it, on code given on stdin under a file name.
 */
const root = path.resolve(__dirname, '../..');
const eslintBin = path.join(root, 'node_modules/eslint/bin/eslint.js');
jest.setTimeout(120_000);

function lint(file: string, code: string): string[] {
  const r = spawnSync(process.execPath, [eslintBin, '--stdin', '--stdin-filename', file, '-f', 'json'], {
    cwd: root,
    input: code,
    encoding: 'utf8',
  });
  const [result] = JSON.parse(r.stdout || '[]') as Array<{
    messages: Array<{ ruleId: string | null; message: string }>;
  }>;
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('a Slack listener may not import the database or another module’s files', () => {
  const errors = lint(
    'src/slack/listeners/commands/violation.ts',
    [
      "import type { Database } from '../../../db/schema';",
      "import { planDeliveries } from '../../../notifications/planner';",
      'export type X = Database;',
      'export const y = planDeliveries;',
      '',
    ].join('\n'),
  );
  expect(errors).toEqual([
    expect.stringContaining('Edges (listeners, routes) call services'),
    expect.stringContaining('Import another module through its index.ts'),
  ]);
});

test('a module may not reach into another’s files or the incident repository, but may use its index', () => {
  const errors = lint(
    'src/escalation/violation.ts',
    [
      "import { deliveryMetrics } from '../notifications/metrics';",
      "import { findIncident } from '../incidents/incident.repository';",
      "import { createNotifications } from '../notifications';",
      'export const all = [deliveryMetrics, findIncident, createNotifications];',
      '',
    ].join('\n'),
  );
  expect(errors).toHaveLength(2);
  expect(errors[0]).toContain("'../notifications/metrics'");
  expect(errors[1]).toContain('through the incident service');
});
