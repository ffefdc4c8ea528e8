/**
 * What TESTING.md says about a mutated file beyond its mutants: why its score is what it is. Surviving
 * mutants that are equivalent are marked in the source instead (`// Stryker disable next-line <mutator>:
 * <reason>`), where the next reader of that line sees them.
 */
export const FILE_NOTES: Readonly<Record<string, string>> = {
  'functions/routine-consumer/drain.ts':
    'Being rewritten (quota-edge issue); its tests today run whole drains against the local SQS server ' +
    '(`test/routine-consumer/drain.test.ts`, about 4 s a test), which `npm run mutate` leaves out. ' +
    'The rewrite brings fast tests and is measured after it lands.',
};
