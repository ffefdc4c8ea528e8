import type { BacklogFigures } from './backlog';
import type { LeakFigures } from './leak';
import type { QuotaExhaustedFigures } from './quota-edge';
import type { ReserveFigures } from './reserve';

/** The quota-edge scenarios of issue 16, each run through the local pipeline with the deployed settings. */
export interface EdgeResults {
  readonly quotaExhausted: readonly QuotaExhaustedFigures[];
  readonly reserve: ReserveFigures;
  readonly backlogs: readonly BacklogFigures[];
  readonly leaks: readonly LeakFigures[];
}

export interface EdgeTarget {
  readonly target: string;
  readonly met: boolean;
  readonly measured: string;
}

/** Seconds the API may pause us before SQS's visibility limit forces one more receive of a held message. */
const VISIBILITY_LIMIT_SECONDS = 43_200;
export const URGENT_RESERVE_LIMIT_SECONDS = 10;
export const LEAK_LIMIT_SECONDS = 40;
export const BACKLOG_BUDGET_SHARE = 0.9;

const fixed = (value: number | undefined, digits = 1) =>
  value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
const grouped = (value: number) => Math.round(value).toLocaleString('en-US');

function quotaTargets(f: QuotaExhaustedFigures): EdgeTarget[] {
  const name = `quota exhausted (${f.spentBy})`;
  const ranOut = f.firstRefusalAfterSeconds !== undefined;
  const never = 'the quota never ran out in the run';
  const urgentAllowed = Math.max(1, Math.ceil(f.pausedSeconds / VISIBILITY_LIMIT_SECONDS));
  return [
    {
      target: `${name}: 0 messages dead-lettered`,
      met: f.deadLetters === 0,
      measured: `${f.deadLetters} dead letters`,
    },
    {
      target: `${name}: 0 calls while paused`,
      met: ranOut && f.callsWhilePaused === 0,
      measured: ranOut
        ? `${f.callsWhilePaused} calls in ${fixed(f.pausedSeconds, 0)} s after the first refusal (${f.refusedWhilePaused} refused, ${f.probesWhilePaused} probes)`
        : never,
    },
    {
      target: `${name}: no routine receive while paused`,
      met: ranOut && f.routineReceivesWhilePaused === 0,
      measured: ranOut
        ? `${f.routineReceivesWhilePaused} receives; ${f.routineRunsSkippedWhilePaused} of ${f.routineRunsWhilePaused} runs skipped (${f.routineRunsSkippedPaused} as paused), ${f.routineReceivedByRunsWhilePaused} received`
        : never,
    },
    {
      target: `${name}: an urgent message received at most once per 12 h of pause`,
      met: ranOut && f.urgentMostReceivesOfOneMessageWhilePaused <= urgentAllowed,
      measured: ranOut
        ? `at most ${f.urgentMostReceivesOfOneMessageWhilePaused} (${f.urgentReceivesWhilePaused} receives in all; highest receive count ${f.urgentHighestReceiveCount ?? 'n/a'} of ${f.urgentMaxReceiveCount})`
        : never,
    },
  ];
}

function reserveTargets(f: ReserveFigures): EdgeTarget[] {
  return [
    {
      target: `urgent reserve: every urgent token revoked within ${URGENT_RESERVE_LIMIT_SECONDS} s of its send`,
      met:
        f.urgentConfirmed === f.urgentTokens &&
        f.urgentMaxSeconds !== undefined &&
        f.urgentMaxSeconds <= URGENT_RESERVE_LIMIT_SECONDS,
      measured: `${f.urgentConfirmed} / ${f.urgentTokens}, slowest ${fixed(f.urgentMaxSeconds)} s`,
    },
    {
      target: 'urgent reserve: routine spends at most the budget less the reserve',
      met: f.routineCalls <= f.dailyCallBudget - f.urgentReserveCalls,
      measured: `${f.routineCalls} routine calls of ${f.dailyCallBudget} - ${f.urgentReserveCalls}`,
    },
  ];
}

function backlogTargets(f: BacklogFigures): EdgeTarget[] {
  const name = `backlog at ${f.sqsLatencyMs} ms per SQS call`;
  const share = f.tokensPerRunSecond / f.budgetTokensPerSecond;
  return [
    {
      target: `${name}: no token sent twice`,
      met: f.tokensSentTwice === 0,
      measured: `${f.tokensSentTwice} tokens`,
    },
    {
      target: `${name}: no run timing out`,
      met: f.timedOutRuns === 0 && f.failedRuns === 0,
      measured: `${f.timedOutRuns} timed out, ${f.failedRuns} failed of ${f.runs} runs`,
    },
    {
      target: `${name}: >= 90% of the routine lane's request budget`,
      met: share >= BACKLOG_BUDGET_SHARE,
      measured: `${fixed(f.tokensPerRunSecond)} tokens/s of ${f.budgetTokensPerSecond} while the runs last (${fixed(100 * share)}%)`,
    },
    {
      target: `${name}: every token revoked, nothing dead-lettered`,
      met: f.confirmed === f.tokens && f.deadLetters === 0,
      measured: `${f.confirmed} / ${f.tokens}, ${f.deadLetters} dead letters`,
    },
  ];
}

function leakTargets(f: LeakFigures): EdgeTarget[] {
  const name = `leak of ${grouped(f.tokens)} urgent tokens in messages of ${f.tokensPerMessage}`;
  return [
    {
      target: `${name}: revoked within ${LEAK_LIMIT_SECONDS} s of the first send`,
      met: f.secondsToRevokeAll !== undefined && f.secondsToRevokeAll <= LEAK_LIMIT_SECONDS,
      measured:
        f.secondsToRevokeAll === undefined
          ? `${f.confirmed} / ${f.tokens} revoked when the run gave up`
          : `${fixed(f.secondsToRevokeAll)} s (floor ${fixed(f.floorSeconds)} s)`,
    },
    {
      target: `${name}: no token sent twice`,
      met: f.tokensSentTwice === 0,
      measured: `${f.tokensSentTwice} tokens`,
    },
  ];
}

export function edgeTargets(edge: EdgeResults): EdgeTarget[] {
  return [
    ...edge.quotaExhausted.flatMap(quotaTargets),
    ...reserveTargets(edge.reserve),
    ...edge.backlogs.flatMap(backlogTargets),
    ...edge.leaks.flatMap(leakTargets),
  ];
}

/** The BENCHMARKS.md section of the quota-edge scenarios. */
export function edgeMarkdown(edge: EdgeResults): string {
  const q = edge.quotaExhausted;
  const r = edge.reserve;
  const quotaRows = q.map(
    (f) =>
      `| ${f.spentBy} | ${grouped(f.quotaLeftAtStart)} of ${grouped(f.quotaMax)} | ${grouped(f.quotaResetSeconds)} | ${f.routineBacklogTokens} + ${f.trickleTokens} | ${f.urgentTokens} | ${fixed(f.firstRefusalAfterSeconds)} | ${fixed(f.pausedSeconds, 0)} | ${f.apiCalls} | ${f.refusals} | ${f.callsWhilePaused} (${f.refusedWhilePaused} refused, ${f.probesWhilePaused} probes) | ${f.routineRunsSkippedWhilePaused} (${f.routineRunsSkippedPaused} paused) / ${f.routineRunsWhilePaused} | ${f.routineReceivesWhilePaused} | ${f.urgentReceivesWhilePaused} / ${f.urgentMostReceivesOfOneMessageWhilePaused} | ${f.routineHighestReceiveCount ?? 'n/a'} of ${f.routineMaxReceiveCount} / ${f.urgentHighestReceiveCount ?? 'n/a'} of ${f.urgentMaxReceiveCount} | ${f.deadLetters} | ${f.revoked} / ${f.tokens} |`,
  );
  const backlogRows = edge.backlogs.map(
    (f) =>
      `| ${f.sqsLatencyMs} | ${f.confirmed} / ${f.tokens} | ${f.apiCalls} | ${f.tokensSentTwice} | ${f.runs} | ${f.timedOutRuns} / ${f.failedRuns} | ${fixed(f.runSeconds)} | ${fixed(f.tokensPerRunSecond)} (${fixed((100 * f.tokensPerRunSecond) / f.budgetTokensPerSecond)}%) | ${fixed(f.tokensPerWallSecond)} (${fixed((100 * f.tokensPerWallSecond) / f.budgetTokensPerSecond)}%) | ${f.sqsErrors} | ${f.deadLetters} |`,
  );
  const leakRows = edge.leaks.map(
    (f) =>
      `| ${f.tokensPerMessage} | ${f.confirmed} / ${f.tokens} | ${fixed(f.secondsToRevokeAll)} | ${fixed(f.floorSeconds)} | ${fixed(f.firstCallAfterSeconds)} | ${fixed(f.callsPerSecondWhileSending)} | ${f.peakConcurrency} | ${f.apiCalls} | ${f.tokensSentTwice} | ${f.invocations} | ${f.timeouts} | ${f.throttleViolations} | ${f.deadLetters} |`,
  );
  const tick = q[0]?.tickSeconds ?? 60;
  const runShare = edge.backlogs[0]?.runShareOfTick;
  return `## Quota edge (issue 16): the local pipeline with the deployed settings

Each scenario runs \`startPipeline\` (\`tools/local-pipeline\`): the routine consumer and the urgent handler in
processes of their own, built from the same configuration objects the construct's environment gives them, the
event source model, the control table on a loopback DynamoDB server (dynalite) and the simulator (50-150 ms a
call). The settings are the deployed ones (tick ${tick} s, urgent timeout 30 s and window 5 s, 15 + 5 requests/s);
only the budget and the simulator's quota are changed where a scenario says so. The local SQS server adds
its latency to every call (10 ms unless said otherwise) and keeps SQS's 12-hour visibility rule.

### Quota exhausted ("more requests available in ${grouped(q[0]?.quotaResetSeconds ?? 80_000)} seconds")

The simulator's quota_max is the API's 10,000, most of it spent from outside before the run starts
(a small quota_max would not do: the urgent lane shares \`quota_remaining\` without \`quota_max\`, and the
routine consumer then assumes 10,000, so every urgent answer reads as below its floor:
\`functions/revoke-tokens/create-handler.ts\` records the quota with \`max: undefined\`, and
\`QuotaWatch.belowReserve\` in \`functions/routine-consumer/quota.ts\` takes an unknown max as 10,000). A routine backlog (messages of 100) waits from the start; single-token arrivals (Poisson, some
urgent) go on for the whole run. The quota runs out in the run: by the deployment's own calls (40 left,
below routine's floor of 2,000, so urgent arrivals and a leak of urgent tokens in messages of 100 spend it)
or spent from outside while routine sends its backlog and the deployment still has budget (\`spendQuota\`). The paused window runs from the first refused call to the end of the run. Every
receive is seen by a tap in front of the SQS server (\`tools/bench/sqs-tap.ts\`), the function processes' too.
Calls while paused are the simulator's requests after the first refusal (a quota probe among them counts too:
the API named the pause's end).

| spent by | quota left at start | reset s | routine tokens (backlog + trickle) | urgent tokens | first refusal after s | paused s | calls | refusals | calls while paused | routine runs skipped (as paused) / runs while paused | routine receives while paused | urgent receives while paused / most of one message | highest receive count routine / urgent | dead letters | revoked |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${quotaRows.join('\n')}

### Urgent reserve

A routine backlog of ${grouped(r.routineBacklogTokens)} tokens in messages of 100 against a budget of ${r.dailyCallBudget} calls a day with ${r.urgentReserveCalls} kept
for urgent work: the routine run stops when its share is spent (stopped by: ${r.routineStoppedBy ?? 'n/a'}); then ${r.urgentTokens}
urgent tokens, one every half second, each a message through the enqueue library.
Routine calls: ${r.routineCalls}; urgent calls: ${r.urgentCalls}; urgent tokens revoked ${r.urgentConfirmed} / ${r.urgentTokens}, the slowest
${fixed(r.urgentMaxSeconds)} s after its send; ${r.deadLetters} dead letters.

### Routine backlog at real SQS speed

${grouped(edge.backlogs[0]?.tokens ?? 0)} single-token logouts wait on the routine queue; each latency has a local SQS server of its own.
The consumer's first run comes one tick after the schedule starts. "While the runs last" divides the tokens by
the time the runs that received something took (from their start to their end); "wall clock" runs from the first
run's start to the last confirmation, and includes the ${fixed(runShare === undefined ? undefined : 100 * (1 - runShare), 0)}% of every tick when no run is
going (the function timeout is the tick less 10 s), so it cannot reach 90% for a backlog longer than one run.

| SQS ms per call | revoked | calls | tokens sent twice | runs | timed out / failed | run s | tokens/s while the runs last | tokens/s wall clock | SQS errors | dead letters |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${backlogRows.join('\n')}

### Leak on the urgent lane

${grouped(edge.leaks[0]?.tokens ?? 0)} tokens sent at once to the urgent queue (8 producers' batches in parallel); the floor is
the calls over the lane's 15 requests/s. Time from the first send to the last token's confirmation.

| tokens per message | revoked | s to revoke all | floor s | first call after s | calls/s while sending | peak instances | calls | tokens sent twice | invocations | timeouts | throttle violations | dead letters |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${leakRows.join('\n')}
`;
}
