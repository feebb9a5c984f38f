/** @type {import('jest').Config} */
// The cluster test (npm run test:cluster): the stacks applied to local Kubernetes
// API servers and moto. One file per environment, side by side (two workers):
// each starts a cluster of its own, and both spend most of their time waiting.
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the unit suite's own keys, left out
const { roots, testPathIgnorePatterns, globalSetup, globalTeardown, setupFiles, ...base } = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/__tests__/cluster'],
  maxWorkers: 2,
  // A cold run builds etcd, Kubernetes and kwok first (about 15 minutes on 2 cores).
  testTimeout: 45 * 60 * 1000,
  // The tools and moto's virtualenv, once, before the two files start.
  globalSetup: '<rootDir>/__tests__/cluster/global-setup.ts',
  globalTeardown: '<rootDir>/__tests__/temp-root-teardown.ts',
};
