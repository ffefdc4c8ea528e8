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
    '`test/routine-consumer/create-consumer`, `consumer-gate`, `hostile` and `drain`',
  ),
  'functions/routine-consumer/drain.ts':
    'Measured with its tests on a manual clock (`test/routine-consumer/drain-rounds`, `drain-containment`, ' +
    "`drain-quota-edge`; `manual-clock.ts`): real local SQS and simulator, the run's time counted on a " +
    'clock that moves only when the run sleeps or SQS answers, so a run of several rounds takes milliseconds. ' +
    '`test/routine-consumer/drain.test.ts` (whole runs on the system clock, seconds a test) is left out.',
};
