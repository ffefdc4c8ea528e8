// StrykerJS: mutation testing of the core (`npm run mutate`, see TESTING.md). Not in CI: too slow for 2 cores.
// One file at a time: `npm run mutate -- --mutate functions/lib/tokens.ts` (replaces that row of TESTING.md).
// Equivalent mutants are marked where they are, with a reason:
// `// Stryker disable next-line <mutator>: <reason>` (TESTING.md lists them).

/**
 * Tests that run whole pipelines against the local SQS server and the simulator: seconds per test,
 * and each covers most of functions/lib, so every mutant there would run them. The unit tests of the
 * same modules stay in scope, and so do the drain tests on a manual clock (`drain-rounds`,
 * `drain-containment`, `drain-quota-edge`): real local servers, but milliseconds of waiting.
 */
const SLOW_INTEGRATION_TESTS = [
  '<rootDir>/test/routine-consumer/drain.test.ts',
  '<rootDir>/test/routine-consumer/create-consumer.test.ts',
  '<rootDir>/test/routine-consumer/consumer-gate.test.ts',
  '<rootDir>/test/routine-consumer/hostile.test.ts',
  '<rootDir>/test/revoke-tokens/process-batch.test.ts',
  '<rootDir>/test/revoke-tokens/properties.test.ts',
  '<rootDir>/test/revoke-tokens/no-secrets.test.ts',
  '<rootDir>/test/revoke-tokens/poison.test.ts',
  '<rootDir>/test/revoke-tokens/handler.test.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  // Checks the mutated code only (functions/): jest does not type-check, and the whole project (CDK's
  // types) takes 7x longer to check per mutant.
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutate.json',
  // Each mutant runs only the tests that reached it, in the test files related to its file.
  coverageAnalysis: 'perTest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    enableFindRelatedTests: true,
    config: {
      // Only unit tests of the mutated folders (and the tools' tests are no part of the core).
      roots: ['<rootDir>/test/lib', '<rootDir>/test/routine-consumer', '<rootDir>/test/revoke-tokens'],
      testPathIgnorePatterns: ['/node_modules/', ...SLOW_INTEGRATION_TESTS],
    },
  },
  mutate: ['functions/lib/**/*.ts', 'functions/routine-consumer/**/*.ts', 'functions/revoke-tokens/**/*.ts'],
  // The machine has 2 cores shared with others: one test runner, one checker.
  concurrency: 1,
  timeoutMS: 5_000,
  ignorePatterns: ['dist', 'cdk.out', 'coverage', 'reports', '.bench-tmp', 'TESTING.md', 'BENCHMARKS.md'],
  reporters: ['progress-append-only', 'clear-text', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
