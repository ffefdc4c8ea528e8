const { writeFileSync } = require('node:fs');

/**
 * Prints the plain closing line CI reads ("jest: N passed, N failed, N skipped") after jest's own summary.
 * Under test/support/jest-on-each-node.mjs (JEST_SUMMARY_FILE set) it names the Node version instead and
 * writes the counts to that file: the runner prints the one closing line for all versions.
 * @implements {import('@jest/reporters').Reporter}
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests, numRuntimeErrorTestSuites } =
      results;
    // A test file that cannot run (a syntax error, a module that throws on import) counts as one failure.
    const failed = numFailedTests + numRuntimeErrorTestSuites;
    const counts = { passed: numPassedTests, failed, skipped: numPendingTests + numTodoTests };
    const file = process.env.JEST_SUMMARY_FILE;
    if (file) writeFileSync(file, JSON.stringify({ node: process.version, ...counts }));
    process.stdout.write(
      `\n${file ? `jest on Node ${process.version}` : 'jest'}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`,
    );
  }
}
module.exports = SummaryReporter;
