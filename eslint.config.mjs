import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Module boundaries, enforced (docs/ARCHITECTURE.md). A feature module's code reaches another feature
 * module only through that module's index.ts (or a port main.ts binds); the incident module's
 * repository is its own; edges (Slack listeners, HTTP routes) get services, never the database.
 * Crossings that predate the rule carry an eslint-disable comment naming them, and are listed under
 * "Known crossings" in docs/ARCHITECTURE.md.
 */
const FEATURES = ['notifications', 'escalation', 'slack', 'statuspage', 'ingest'];
const boundaries = FEATURES.map((own) => ({
  files: [`src/${own}/**/*.{ts,tsx}`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `^(\\.\\./)+(${FEATURES.filter((f) => f !== own).join('|')})/.+`,
            message:
              'Import another module through its index.ts (or a port bound in main.ts), not its files.',
          },
          {
            regex: '^(\\.\\./)+incidents/incident\\.repository$',
            message: 'Incidents are read and changed through the incident service, not its repository.',
          },
        ],
      },
    ],
  },
}));
const edges = {
  files: [
    'src/slack/listeners/**/*.{ts,tsx}',
    'src/**/routes.{ts,tsx}',
    'src/**/*.routes.{ts,tsx}',
    'src/http/api/**/*.{ts,tsx}',
  ],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: '^(\\.\\./)+db/(connect|schema)$|^kysely$',
            message: 'Edges (listeners, routes) call services; the database belongs to repositories.',
          },
          {
            regex: `^(\\.\\./)+(${FEATURES.join('|')})/.+`,
            message:
              'Import another module through its index.ts (or a port bound in main.ts), not its files.',
          },
          {
            regex: '(^|/)[a-z-]+\\.repository$|(^|/)repository$',
            message: 'Edges call services, not repositories.',
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.herald/**', 'test-artifacts/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  ...boundaries,
  edges,
  {
    files: ['**/*.js', '**/*.mjs', 'bin/**'],
    languageOptions: {
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
