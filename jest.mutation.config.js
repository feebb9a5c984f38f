/** @type {import('jest').Config} */
// The suite the mutation run (stryker.config.mjs) runs against each mutant:
// the unit tests and the end-to-end tests that call the commands in-process,
// without the stack snapshots, so a mutant counts as killed only when a
// behaviour test notices it. No global synth: each file synthesizes what it
// reads (helpers.ts), from the mutated code.
/* eslint-disable @typescript-eslint/no-unused-vars -- the unit suite's own keys, left out */
const {
  roots,
  testPathIgnorePatterns,
  globalSetup,
  globalTeardown,
  setupFiles,
  reporters,
  ...base
} = require('./jest.config');
/* eslint-enable @typescript-eslint/no-unused-vars */

module.exports = {
  ...base,
  // ts-jest, not the suite's esbuild transform: the committed incremental
  // result keys each test by its position as ts-jest's source maps give it
  // (esbuild's give some a column further), and with other positions
  // StrykerJS would take every test for new and test about 1,000 mutants again.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  // The whole project, not only __tests__: the mutation run asks jest for the
  // tests related to a mutated file, and jest follows imports only through
  // the files under its roots (with __tests__ alone, only direct importers).
  roots: ['<rootDir>'],
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  modulePathIgnorePatterns: [
    '<rootDir>/.stryker-tmp/',
    '<rootDir>/cdktf.out/',
    '<rootDir>/reports/',
    '<rootDir>/.build/',
  ],
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/__tests__/cluster/',
    // A real Prometheus and the analysis program as processes: they cover no mutated module.
    '<rootDir>/__tests__/prometheus/',
    '<rootDir>/__tests__/stack-snapshots.test.ts',
    // The app's own synth into the run's directory, and the cdktf app command.
    '<rootDir>/__tests__/main.test.ts',
    // These run commands as processes, which the mutation run cannot attribute to a test.
    '<rootDir>/__tests__/e2e/(add-environment|analysis-program|command-output|module-graph|processes|readme|synth-command)\\.test\\.ts',
  ],
};
