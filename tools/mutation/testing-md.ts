/** TESTING.md: how the project tests, and the latest mutation scores (`mutation` is the generated part). */
export function testingMarkdown(mutation: string, targetPercent: number): string {
  return `# Testing

\`npm test\` runs the type check, the linter and the whole jest suite on Node 24 and on Node 22: unit tests,
CDK assertions, and integration tests against real local servers (the Stack Exchange simulator, the
local SQS server). This file is about how strong the unit tests of the core are.

## Mutation testing

\`npm run mutate\` runs [StrykerJS](https://stryker-mutator.io) (\`stryker.config.mjs\`): it changes the code of
\`functions/lib\`, \`functions/routine-consumer\` and \`functions/revoke-tokens\` one small change (a
mutant) at a time (\`<\` to \`<=\`, a condition to \`true\`, a string to \`""\`, ...) and runs the unit tests that
reach it; a test must fail for each mutant. A mutant no test notices (it *survived*) is a behaviour no
test states. The TypeScript checker drops mutants that do not compile (*not valid* below).

- Score: mutants detected (killed, or timed out: an endless loop) of the valid ones. Target: ${targetPercent}% per file.
- Each mutant runs only the tests that reached it (\`coverageAnalysis: perTest\`) in the test files related
  to its file (jest's \`findRelatedTests\`), one runner at a time (2 cores). The tests that run whole
  pipelines against the local servers (\`drain\`, \`create-consumer\`, \`consumer-gate\`, \`hostile\`,
  \`process-batch\`, \`properties\`, \`no-secrets\`, \`poison\`, \`handler\`) are left out: seconds per test, and
  each reaches most of \`functions/lib\`. A file checked only by them shows *no coverage*. The drain's own
  tests run on a manual clock (\`test/routine-consumer/manual-clock.ts\`: the run's time stands still until
  it sleeps) against the real local servers, so a run of several rounds takes milliseconds; they stay in.
- Equivalent mutants (no program could tell them from the code) are marked in the code with a reason,
  \`// Stryker disable next-line <mutator>: <reason>\`, and listed below as *equivalent*; they do not count.
- Not in CI: the whole scope (2,224 mutants) took 50 minutes on 2 busy shared cores (in four parts). Run it when
  the core changes, or for some files: \`npm run mutate -- --mutate functions/lib/tokens.ts\` replaces those
  files' rows and keeps the others (the *measured* column says when each row was measured).
  \`npm run mutate -- --no-run\` rewrites this file from \`tools/mutation/results.json\` (the raw figures).
  Stryker's HTML report of the last run: \`reports/mutation/mutation.html\`.

Latest scores (files below the target in bold):

${mutation}
`;
}
