/**
 * The soak and fault tier: long tests that kill processes, restart PostgreSQL or fuzz every route.
 * `npm test` leaves them out (jest.config.js); `npm run test:soak` runs only them
 * (jest.soak.config.js). Paths are prefixes under the project root.
 */
module.exports.SOAK = [
  '<rootDir>/test/process/',
  '<rootDir>/test/faults/',
  '<rootDir>/test/hardening/',
  '<rootDir>/test/integration/worker-outage',
  '<rootDir>/test/notifications/db-outage',
];
