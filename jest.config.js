/** @type {import('jest').Config} */
const base = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  // esbuild with the project's tsconfig, transpile only (tooling/jest-transform.cjs).
  transform: { '^.+\\.ts$': '<rootDir>/tooling/jest-transform.cjs' },
  reporters: ['default', '<rootDir>/__tests__/summary-reporter.js'],
  // Both cores: jest's default leaves one for its parent, which mostly waits.
  maxWorkers: '100%',
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup-token-stacks.ts'],
  // Jest's transform cache in the project, not /tmp: tests leave /tmp as they found it.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
};

/**
 * `npx jest`: the unit suite. The committed environments are synthesized
 * once per run (global-setup.ts), not once per file. The end-to-end suite
 * (__tests__/e2e: commands run as a user runs them, in temporary copies,
 * and the tests that run a real tool as a process: git, bash, node) has its
 * own config, jest.e2e.config.js; `npm test` runs both.
 */
module.exports = {
  ...base,
  roots: ['<rootDir>/__tests__'],
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/__tests__/e2e/',
    '<rootDir>/__tests__/cluster/',
    '<rootDir>/__tests__/prometheus/',
  ],
  globalSetup: '<rootDir>/__tests__/global-setup.ts',
  globalTeardown: '<rootDir>/__tests__/global-teardown.ts',
  // The unit suite's own: short-lived code, compiled faster than optimized (see the file).
  setupFiles: ['<rootDir>/__tests__/setup-no-optimizer.ts'],
};
