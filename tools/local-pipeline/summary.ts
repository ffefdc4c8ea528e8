import type { Message } from '@aws-sdk/client-sqs';
import { parkedLane } from '../../functions/lib/parked-message';
import type { Lane } from '../../functions/lib/telemetry-names';
import { fingerprint } from '../../functions/lib/tokens';
import type { Pipeline } from './pipeline';
import type { DemoWorkload } from './workload';

/** A message of the dead-letter queue, named by fingerprints only. */
export interface DeadLetter {
  /** `parked` by a function with a reason, or `dead_lettered` by SQS after maxReceiveCount receives. */
  readonly kind: 'parked' | 'dead_lettered';
  /** The parked reason, or `max_receives_exceeded`. */
  readonly reason: string;
  /** The lane that parked it (recorded in the parked body), or `undefined` (dead-lettered, or not recorded). */
  readonly lane: Lane | undefined;
  readonly fingerprints: readonly string[];
}

export interface Summary {
  /** Routine logouts of the demo. */
  readonly routineTokens: number;
  /** Tokens per successful call that carried routine logouts, in order. */
  readonly routineCalls: readonly number[];
  /** Seconds from sending the urgent (leaked) token to the call that revoked it. */
  readonly urgentSecondsToRevoke: number | undefined;
  /** The compromised account: its tokens, and seconds from sending them to the call that de-authenticated the last. */
  readonly compromised: { readonly tokens: number; readonly seconds: number | undefined };
  /** The urgent token the API rejects ended parked as `rejected_by_api`. */
  readonly rejectedParked: boolean;
  readonly invalidated: number;
  readonly deauthenticated: number;
  readonly apiCalls: number;
  readonly consumerRuns: number;
  readonly urgentInvocations: number;
  readonly backoffViolations: number;
  readonly throttleViolations: number;
  readonly deadLetters: readonly DeadLetter[];
  /** Messages still in the routine and urgent queues. */
  readonly stillQueued: number;
  readonly problems: readonly string[];
}

function laneOf(body: string | undefined): Lane | undefined {
  try {
    const parsed: unknown = JSON.parse(body ?? '');
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? parkedLane(parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function tokensOf(body: string | undefined): unknown[] {
  try {
    const parsed = JSON.parse(body ?? '') as { tokens?: unknown; token?: unknown };
    if (Array.isArray(parsed.tokens)) return parsed.tokens;
    return parsed.token === undefined ? [] : [parsed.token];
  } catch {
    return [];
  }
}

/** Classifies a dead-letter message by its `reason` attribute first (parked), else as SQS left it. */
export function readDeadLetter(message: Message): DeadLetter {
  const reason = message.MessageAttributes?.reason?.StringValue;
  return {
    kind: reason === undefined ? 'dead_lettered' : 'parked',
    reason: reason ?? 'max_receives_exceeded',
    lane: reason === undefined ? undefined : laneOf(message.Body),
    fingerprints: tokensOf(message.Body).map((token) => fingerprint(String(token))),
  };
}

async function stillQueued(pipeline: Pipeline): Promise<number> {
  const depths = await Promise.all([
    pipeline.depth(pipeline.routineQueueUrl),
    pipeline.depth(pipeline.urgentQueueUrl),
  ]);
  return depths.reduce((sum, d) => sum + d.visible + d.inFlight + d.delayed, 0);
}

/** True once every token reached its end state, both queues are empty and both lanes are idle. */
export async function settled(pipeline: Pipeline, workload: DemoWorkload): Promise<boolean> {
  const { simulator } = pipeline;
  const revoked = [...workload.routine, ...workload.urgent].every(
    (token) => simulator.tokenState(token) === 'invalidated',
  );
  const deauthenticated = workload.deauthenticate.every(
    (token) => simulator.tokenState(token) === 'deauthenticated',
  );
  if (!revoked || !deauthenticated || !pipeline.urgent.source.idle() || pipeline.routine.busy()) return false;
  return (await stillQueued(pipeline)) === 0;
}

/** The end state, read from the simulator, the queues and the lanes, and checked against the workload. */
export async function summarize(pipeline: Pipeline, workload: DemoWorkload): Promise<Summary> {
  const { simulator } = pipeline;
  const stats = simulator.stats();
  const deadLetters = (await pipeline.deadLetters()).map(readDeadLetter);
  const queued = await stillQueued(pipeline);
  const routine = new Set(workload.routine);
  const successful = simulator.requests.filter((r) => r.status === 200);
  const urgentToken = workload.urgent[0];
  const urgentCall = successful.find((r) => urgentToken !== undefined && r.tokens.includes(urgentToken));
  const sentAt = workload.urgentSentAt();

  const problems: string[] = [];
  const expect = (count: number, what: string) => {
    if (count > 0) problems.push(`${count} ${what}`);
  };
  const notIn = (tokens: readonly string[], state: string) =>
    tokens.filter((token) => simulator.tokenState(token) !== state).length;
  expect(notIn(workload.routine, 'invalidated'), 'routine token(s) not invalidated');
  expect(notIn(workload.urgent, 'invalidated'), 'urgent token(s) not invalidated');
  expect(notIn(workload.deauthenticate, 'deauthenticated'), 'token(s) not de-authenticated');
  expect(notIn(workload.replayable, 'live'), 'dead-lettered token(s) revoked before their replay');
  const parked = new Set(
    deadLetters.filter((d) => d.reason === 'rejected_by_api').flatMap((d) => d.fingerprints),
  );
  expect(workload.rejected.filter((t) => !parked.has(fingerprint(t))).length, 'rejected token(s) not parked');
  const parkedInput = deadLetters.filter((d) => d.kind === 'parked' && d.reason !== 'rejected_by_api');
  expect(workload.hostileMessages - parkedInput.length, 'hostile message(s) not parked');
  const replayable = new Set(workload.replayable.map(fingerprint));
  const deadLettered = deadLetters.filter((d) => d.kind === 'dead_lettered');
  expect(
    deadLettered.filter((d) => !d.fingerprints.every((f) => replayable.has(f))).length,
    'message(s) ran out of receives',
  );
  expect(workload.replayable.length - deadLettered.length, 'dead-lettered demo message(s) missing');
  expect(queued, 'message(s) still queued');
  expect(stats.backoffViolations, 'backoff violation(s)');
  expect(stats.throttleViolations, 'throttle violation(s)');

  const deauthentications = workload.deauthenticate.map((token) =>
    successful.find((r) => r.method === 'deauthenticate' && r.tokens.includes(token)),
  );
  const lastDeauthentication = Math.max(...deauthentications.map((r) => r?.at ?? Number.NaN));
  return {
    routineTokens: workload.routine.length,
    compromised: {
      tokens: workload.deauthenticate.length,
      seconds: Number.isNaN(lastDeauthentication)
        ? undefined
        : (lastDeauthentication - workload.deauthenticateSentAt) / 1000,
    },
    rejectedParked: workload.rejected.every((t) => parked.has(fingerprint(t))),
    routineCalls: successful
      .filter((r) => r.method === 'invalidate' && r.tokens.some((token) => routine.has(token)))
      .map((r) => r.tokens.length),
    urgentSecondsToRevoke:
      urgentCall === undefined || sentAt === undefined ? undefined : (urgentCall.at - sentAt) / 1000,
    invalidated: stats.invalidated,
    deauthenticated: stats.deauthenticated,
    apiCalls: stats.requests,
    consumerRuns: pipeline.routine.runs().length,
    urgentInvocations: pipeline.urgent.source.stats().invocations,
    backoffViolations: stats.backoffViolations,
    throttleViolations: stats.throttleViolations,
    deadLetters,
    stillQueued: queued,
    problems,
  };
}
