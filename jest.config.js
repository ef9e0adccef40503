/**
 * Two tiers. `npm test` runs this config: unit, integration and end-to-end tests, a few minutes.
 * `npm run test:soak` runs jest.soak.config.js: the long fault and soak tests (processes killed,
 * PostgreSQL restarted, two workers over 10,000 incidents, the bad-input fuzz), listed in SOAK.
 */
const { SOAK } = require('./test/tiers');

/** @type {import('jest').Config} */
const config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // feed 6 ships only as an ES module; let @swc/jest transform it like our own code.
  transformIgnorePatterns: ['/node_modules/(?!(feed|kysely|graphile-worker)/)'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  testPathIgnorePatterns: ['/node_modules/', ...SOAK],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', tsx: true },
          transform: { react: { runtime: 'automatic', importSource: 'preact' } },
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};

module.exports = config;
