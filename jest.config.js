/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // ky is ESM-only: let swc transform it (and our TypeScript) to CommonJS for jest.
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!ky/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testTimeout: 30_000,
  // A green run prints the runner's lines only: output of the code under test is kept, not printed.
  setupFilesAfterEnv: ['<rootDir>/test/support/quiet-output.ts'],
  // The CLI and the function process the tests start, bundled once a run from the current sources (see the file).
  globalSetup: '<rootDir>/test/support/bundles.ts',
  globalTeardown: '<rootDir>/test/support/bundles-teardown.ts',
  // Two cores here and in CI: leave one for the local servers the tests start.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
