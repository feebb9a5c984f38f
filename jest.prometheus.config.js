/** @type {import('jest').Config} */
// The release analysis on a real Prometheus (npm run test:prometheus): every
// scenario at once against one server; it builds Prometheus first on a cold
// machine (about 5 minutes on 2 cores, cached by version like the other tools).
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the unit suite's own keys, left out
const { roots, testPathIgnorePatterns, globalSetup, globalTeardown, setupFiles, ...base } = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/__tests__/prometheus'],
  maxWorkers: 1,
  testTimeout: 20 * 60 * 1000,
  globalSetup: '<rootDir>/__tests__/temp-root.ts',
  globalTeardown: '<rootDir>/__tests__/temp-root-teardown.ts',
};
