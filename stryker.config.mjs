// @ts-check
/**
 * Mutation testing (npm run test:mutation): StrykerJS changes the modules
 * that decide, one small change at a time, and runs the tests that cover
 * each change; a change no test notices is a missing test. See the README,
 * "Mutation testing".
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'jest',
  jest: { configFile: 'jest.mutation.config.js' },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  // Static mutants (code run when a module loads: the zod schemas' field
  // definitions) each need the whole suite in a fresh process: 45 % of the
  // mutants, 96 % of the time (about 3 h on 2 cores). Every run leaves them
  // out; `npm run test:mutation -- --ignoreStatic false` runs them too.
  ignoreStatic: true,
  // Only what changed since the committed result is mutated again.
  incremental: true,
  incrementalFile: 'mutation/stryker-incremental.json',
  // The modules that decide, each rule in one place (schemas' field formats
  // are static: see above; their rules are checked in the files below).
  mutate: [
    // validation and cross-checks
    'environments/validate.ts',
    'environments/uniqueness.ts',
    'features/service/checks.ts',
    'features/data/checks.ts',
    'features/release/checks.ts',
    'features/namespace/capacity.ts',
    'core/strict-json.ts',
    'stacks/local-state.ts',
    // the release state machine and command
    'features/release/moves.ts',
    'bin/release-command.ts',
    // the plan tools
    'bin/plan-summary-command.ts',
    // protection and ordering
    'core/protection.ts',
    // the alert-rule builders
    'features/monitoring/alert-rules.ts',
    'core/slo.ts',
    // the edge's guarantees
    'features/edge/checks.ts',
  ],
  // String literals are left out: the messages, names and PromQL they hold are
  // asserted whole by exact-string tests (input-refusals, rule-edges, the
  // alert table), and mutating each one would double the run.
  mutator: { excludedMutations: ['StringLiteral'] },
  thresholds: { high: 90, low: 85, break: 85 },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  // Reports are build output: git ignores reports/.
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false },
  // The sandbox holds the code and the tests; nothing built or downloaded.
  ignorePatterns: ['.venv', '.venv-cluster', '.tools', '.build', 'cdktf.out', 'coverage', 'reports', 'mutation'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // One type checker and one test runner on two cores.
  concurrency: 2,
  timeoutMS: 10_000,
};
