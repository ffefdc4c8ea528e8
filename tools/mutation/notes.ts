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
  'functions/routine-consumer/drain.ts': [
    'Measured with its tests on a manual clock (`test/routine-consumer/drain-rounds`, `drain-timing`, ' +
      '`drain-sends`, `drain-settle`, `drain-input`, `drain-containment`, `drain-quota-edge`, `drain-refusal`; `manual-clock.ts`): ' +
      "real local SQS and simulator, the run's time counted on a clock that moves only when the run sleeps or " +
      'SQS answers, so a run of several rounds takes milliseconds. `drain.test.ts` (whole runs on the system ' +
      'clock, seconds a test) is left out. Why each survivor below survives:',
    '',
    '- `calls > 0` -> `true` / `>=` (line 168): equivalent: every caller passes a non-empty batch (the other variants of the line are killed, so it is not marked).',
    '- `/ Math.ceil(calls / 8)` -> `*` (169), `changes.length / 10` -> `* 10` (194): differ only for more than 80 entries at once before a receive decision; the fast tests settle a call (at most 20 messages) at a time.',
    '- `sqsCalls += 1` -> `-=` (171): with receives and deletes alternating, the mean at each receive decision comes out the same in the test that counts deletes; not reproduced otherwise.',
    '- capacity `- sqsTimeNeededMs()` -> `+` (182), receive loop `<` -> `<=` (231): need an SQS estimate at the exact rounding of a call; the tests hit the bound without it.',
    '- `length === 0` -> `false` in setVisibility (193), release (205) and settleReady (315): equivalent: an empty list makes no SQS call and changes no count.',
    '- `report.sqsErrors +=` -> `-=`, `messages.length - failed` -> `+` (194-201): the local SQS server refuses nothing these tests send; SQS failures are tested in `routine-queue.test.ts`.',
    '- `pending.has(...)` -> `false` (260): equivalent: no message of a batch that threw is pending (admitBatch sets pending last).',
    '- `Number.isFinite(sentAt|count)` -> `true` (279, 281): SQS always returns the attributes the receive asks for.',
    "- the `r.tokens.length > 0` filter (293): readMessages gives no request without tokens (a message whose tokens are all bad is parked whole): equivalent with today's reader.",
    '- `parts.push(...settled.counts)` on the one-by-one settle path (339): the counts of the messages settled alone after a group threw are not asserted.',
    '- `reserved >= wanted` -> `false` / `>` (366), `chosen.length === 0` -> `false` (369): equivalent: with the whole reservation fitCalls keeps every message; an empty send settles the same reservation on the general path.',
    "- `pause?.cause === 'throttled'` -> `false` at the end of a send (397): equivalent since the run stops at a refusal at once: `takeWork` sets the same cause, and it runs right after every send (the kick that chains the next one) and before every receive.",
    '- `inFlight.delete(messageId)` in finish (408): matters only when a message released in a run is received again in the same run (after its 30 s backoff); no fast test waits for that.',
    "- the plan's capacity less the tokens in flight (458, 463): matters only when the run's time is nearly used up while a send is out.",
    "- `receiveWaitSeconds * 1000` -> `/ 1000` in the round's receive time (506): a round that receives ends with an empty long poll, so its own time is at least the wait; the wait decides only for a round that polled nothing, and no test makes that round send.",
    "- the final plan (`nextRunAt ± receiveMs`, 511, 516; `final.send.length > 0 && takeWork()` and its block, 512-513): the send chained after the last send already plans with the run's final chance; the final plan adds only what capacity freed by settling allows at the last instant.",
    '- `sending === undefined` -> `true` at the early end (519): equivalent: a send out keeps its messages pending, and the finally awaits it.',
    "- the finally's `idle()` (522): at an early end the last deletes may still run; in the fast tests they end first.",
    "- not covered: the `'Error'` fallbacks (a non-Error thrown) and `?? ''` (a message without a MessageId: SQS always gives one).",
  ].join('\n'),
};
