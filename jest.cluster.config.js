/** @type {import('jest').Config} */
// The cluster test (npm run test:cluster): the stacks applied to local Kubernetes
// API servers and moto. One file, in band: it starts processes of its own.
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the unit suite's own keys, left out
const { roots, testPathIgnorePatterns, globalSetup, globalTeardown, ...base } = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/__tests__/cluster'],
  maxWorkers: 1,
  // A cold run builds etcd, Kubernetes and kwok first (about 15 minutes on 2 cores).
  testTimeout: 45 * 60 * 1000,
  globalSetup: '<rootDir>/__tests__/temp-root.ts',
  globalTeardown: '<rootDir>/__tests__/temp-root-teardown.ts',
};
