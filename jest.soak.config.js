/**
 * The soak and fault tier (`npm run test:soak`): only the paths jest.config.js leaves out of
 * `npm test`, with the same transform, database setup and teardown.
 */
const base = require('./jest.config');
const { SOAK } = require('./test/tiers');

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/'],
  testMatch: undefined,
  testRegex: `/(${SOAK.map((p) => escape(p.replace('<rootDir>/', ''))).join('|')})[^/]*\\.test\\.tsx?$`,
};
