/** @type {import('jest').Config} */
// The end-to-end suite: commands run as a user runs them, in temporary copies,
// and the tests that run a real tool as a process (git, bash, node), kept
// out of the unit suite, which a developer runs on every change.
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the unit suite's own keys, left out
const { roots, testPathIgnorePatterns, globalSetup, globalTeardown, setupFiles, ...base } = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/__tests__/e2e'],
  // Each test spawns processes of its own; one file at a time keeps them from starving each other.
  maxWorkers: 1,
  // A test's own bounds say what is too slow; jest's default 5 s is not one of
  // them (in CI this suite runs niced beside the cluster test).
  testTimeout: 30_000,
  globalSetup: '<rootDir>/__tests__/temp-root.ts',
  globalTeardown: '<rootDir>/__tests__/temp-root-teardown.ts',
};
