/**
 * What TESTING.md says about a mutated file beyond its mutants: why its score is what it is. Surviving
 * mutants that are equivalent are marked in the source instead (`// Stryker disable next-line <mutator>:
 * <reason>`), where the next reader of that line sees them.
 */
const LEFT_OUT = (tests: string) =>
  `Checked end to end by ${tests}, which \`npm run mutate\` leaves out (whole batches against the local ` +
  'SQS server and the simulator, seconds a test): mutants only those tests reach show here as surviving ' +
  'or not covered. Whether those tests kill them is not measured.';

export const FILE_NOTES: Readonly<Record<string, string>> = {
  'functions/revoke-tokens/create-handler.ts': LEFT_OUT(
    '`test/revoke-tokens/handler`, `process-batch`, `properties`, `no-secrets` and `poison`',
  ),
  'functions/revoke-tokens/process-batch.ts': LEFT_OUT(
    '`test/revoke-tokens/process-batch`, `properties`, `no-secrets` and `poison`',
  ),
  'functions/routine-consumer/create-consumer.ts': LEFT_OUT(
    '`test/routine-consumer/create-consumer` and `drain`',
  ),
  'functions/routine-consumer/drain.ts':
    'Being rewritten (quota-edge issue); its tests today run whole drains against the local SQS server ' +
    '(`test/routine-consumer/drain.test.ts`, about 4 s a test), which `npm run mutate` leaves out. ' +
    'The rewrite brings fast tests and is measured after it lands.',
};
