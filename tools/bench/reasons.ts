/**
 * Why a target is missed, by target name, from the diagnosis of the runs so far. BENCHMARKS.md shows
 * a reason only next to a target the run missed.
 */

/** The consumer's throughput on 10,000 single-token messages (diagnosed from the first-call times). */
const RECEIVE_BEFORE_SEND =
  'The consumer receives every waiting message before its first call: 1,000 receives of 10 single-token messages and a final 1 s long poll that answers empty (first call after about 3 s, see the bursts table; longer against SQS), while the request budget idles. Cause in functions/routine-consumer/drain.ts (`receive` drains until empty or capacity before the round plans). Sending full calls while receiving, or receiving at most one round of tokens before sending, would fix it; bulk messages of 100 tokens need 10 receives and meet the target. On this shared 2-core machine the figure moves between about 85% and 92% from run to run.';

export const MISS_REASONS: Readonly<Record<string, string>> = {
  'logouts (consumer): throughput >= 90% of 300 tokens/s': RECEIVE_BEFORE_SEND,
  'logouts-30pct-duplicates (consumer): throughput >= 90% of 300 tokens/s': RECEIVE_BEFORE_SEND,
  'handler CPU per 1,000 records <= 1.2x the floor':
    'The handler also validates every token, deduplicates, paces requests, writes one JSON log line and one EMF block per batch; the machine is shared (other test runs kept its load average at 3-4 on 2 cores during the bench), and repeated runs of this CPU measurement vary by 30% or more.',
};
