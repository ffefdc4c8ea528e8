import type { Pipeline } from './pipeline';
import { DEPLOYED_TICK_SECONDS } from './settings';
import type { Summary } from './summary';
import type { DemoWorkload } from './workload';

/** The servers and every lane setting, and where each comes from. */
export function settingsText(pipeline: Pipeline, sqsEndpoint: string, seed: number): string {
  const { urgent, routine } = pipeline.settings;
  const tick = routine.tickShortened
    ? `every ${routine.tickSeconds} s (SHORTENED by --tick-seconds; deployed: every ${DEPLOYED_TICK_SECONDS} s)`
    : `every ${routine.tickSeconds} s (the deployed tick)`;
  return [
    `SQS-compatible server  ${sqsEndpoint}`,
    `Stack Exchange API     ${pipeline.simulator.url} (simulator, seed ${seed})`,
    `Routine lane           one consumer ${tick}, timeout ${routine.functionTimeoutSeconds} s, ${routine.requestsPerSecond} requests/s; holds a partial call up to ${routine.maxHoldSeconds} s; ${routine.maxReceiveCount} receives`,
    `Urgent lane            ${urgent.maxConcurrency} instances at most, 5 pollers, batch ${urgent.batchSize}, window ${urgent.maxBatchingWindowSeconds} s, timeout ${urgent.functionTimeoutSeconds} s, visibility ${urgent.visibilityTimeoutSeconds} s, ${urgent.maxReceiveCount} receives`,
    '                       (infra/settings.ts; each function runs in processes of its own)',
  ].join('\n');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One line of live progress. */
export function progressLine(pipeline: Pipeline, workload: DemoWorkload, startedAt: number): string {
  const { simulator } = pipeline;
  const revoked = workload.routine.filter((token) => simulator.tokenState(token) === 'invalidated').length;
  const routine = new Set(workload.routine);
  const calls = simulator.requests
    .filter((r) => r.status === 200 && r.tokens.some((token) => routine.has(token)))
    .map((r) => r.tokens.length);
  const urgentToken = workload.urgent[0];
  const sentAt = workload.urgentSentAt();
  const urgentCall = simulator.requests.find(
    (r) => r.status === 200 && urgentToken !== undefined && r.tokens.includes(urgentToken),
  );
  const urgent =
    sentAt === undefined
      ? 'not sent yet'
      : urgentCall === undefined
        ? `sent ${seconds(Date.now() - sentAt)} ago`
        : `revoked ${seconds(urgentCall.at - sentAt)} after it was sent`;
  const runs = pipeline.routine.runs().length;
  const next = pipeline.routine.nextRunAt();
  const schedule = pipeline.routine.busy()
    ? 'a run is going'
    : next === undefined
      ? 'schedule paused'
      : `next run in ${Math.ceil((next - Date.now()) / 1000)} s`;
  return `  ${seconds(Date.now() - startedAt).padStart(7)}  routine: ${workload.routineSent()} sent, ${revoked} revoked in ${runs} run(s), ${schedule}, calls [${calls.join(' ')}]  urgent: ${urgent}`;
}

/** The summary, read from real state. */
export function summaryText(summary: Summary, elapsedSeconds: number): string {
  const full = summary.routineCalls.filter((n) => n === 20).length;
  const lines = [
    '',
    `Summary (${elapsedSeconds.toFixed(1)} s)`,
    `  routine calls          ${summary.routineCalls.length} (${full} of 20 tokens): [${summary.routineCalls.join(' ')}] in ${summary.consumerRuns} consumer run(s)`,
    `  urgent token           ${summary.urgentSecondsToRevoke === undefined ? 'not revoked' : `revoked ${summary.urgentSecondsToRevoke.toFixed(1)} s after it was sent`} (${summary.urgentInvocations} urgent invocation(s))`,
    `  tokens invalidated     ${summary.invalidated}; de-authenticated ${summary.deauthenticated}`,
    `  API calls              ${summary.apiCalls}; violations: ${summary.backoffViolations} backoff, ${summary.throttleViolations} throttle`,
    `  still queued           ${summary.stillQueued}`,
    '',
    `Dead-letter queue (${summary.deadLetters.length})`,
    ...summary.deadLetters.map(
      (letter) =>
        `  ${letter.kind.padEnd(14)} ${letter.reason.padEnd(22)} ${letter.fingerprints.length > 0 ? letter.fingerprints.join(' ') : '(original body kept)'}`,
    ),
    '',
    summary.problems.length === 0
      ? 'Consistent: every token is revoked, known dead or in the dead-letter queue with a reason.'
      : `INCONSISTENT: ${summary.problems.join('; ')}`,
  ];
  return lines.join('\n');
}
