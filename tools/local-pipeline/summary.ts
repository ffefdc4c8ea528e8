import type { Message } from '@aws-sdk/client-sqs';
import { fingerprint } from '../../functions/lib/tokens';
import type { Pipeline } from './pipeline';
import type { DemoWorkload } from './workload';

export interface DeadLetter {
  readonly reason: string;
  readonly fingerprints: readonly string[];
  readonly sourceMessageId: string | undefined;
}

export interface Summary {
  readonly invalidated: number;
  readonly deauthenticated: number;
  readonly alreadyDead: number;
  readonly parkedMessages: number;
  readonly retriedMessages: number;
  readonly stillInFlight: number;
  readonly apiCalls: number;
  readonly tokensPerCall: number;
  readonly backoffs: number;
  readonly throttles: number;
  readonly backoffViolations: number;
  readonly throttleViolations: number;
  readonly deadLetters: readonly DeadLetter[];
  readonly problems: readonly string[];
}

function readDeadLetter(message: Message): DeadLetter {
  const reason = message.MessageAttributes?.reason?.StringValue;
  let body: { tokens?: unknown[]; sourceMessageId?: string; token?: unknown } = {};
  try {
    body = JSON.parse(message.Body ?? '') as typeof body;
  } catch {
    // an unreadable original that SQS dead-lettered after its retries
  }
  const tokens = body.tokens ?? (body.token === undefined ? [] : [body.token]);
  return {
    reason: reason ?? 'retries_exhausted',
    fingerprints: Array.isArray(tokens) ? tokens.map(fingerprint) : [],
    sourceMessageId: reason === undefined ? message.MessageId : body.sourceMessageId,
  };
}

/** The end state, read from the simulator, the queues and the poller, and checked against the workload. */
export async function summarize(pipeline: Pipeline, workload: DemoWorkload): Promise<Summary> {
  const { simulator } = pipeline;
  const stats = simulator.stats();
  const deadLetters = (await pipeline.deadLetters()).map(readDeadLetter);
  const stillInFlight = await pipeline.inFlight();
  const returned = simulator.requests
    .filter((r) => r.status === 200)
    .reduce((sum, r) => sum + r.itemsReturned, 0);

  const problems: string[] = [];
  const notRevoked = workload.valid.filter((t) => simulator.tokenState(t) !== 'invalidated').length;
  if (notRevoked > 0) problems.push(`${notRevoked} valid token(s) not invalidated`);
  const notDeauthenticated = workload.deauthenticate.filter(
    (t) => simulator.tokenState(t) !== 'deauthenticated',
  ).length;
  if (notDeauthenticated > 0) problems.push(`${notDeauthenticated} token(s) not de-authenticated`);
  const parkedFingerprints = new Set(
    deadLetters.filter((d) => d.reason === 'rejected_by_api').flatMap((d) => d.fingerprints),
  );
  const missingRejected = workload.rejected.filter((t) => !parkedFingerprints.has(fingerprint(t))).length;
  if (missingRejected > 0) problems.push(`${missingRejected} rejected token(s) not parked`);
  const parkedInput = deadLetters.filter(
    (d) => d.reason !== 'rejected_by_api' && d.reason !== 'retries_exhausted',
  ).length;
  if (parkedInput < workload.hostileMessages)
    problems.push(`${workload.hostileMessages - parkedInput} hostile message(s) not parked`);
  const exhausted = deadLetters.filter((d) => d.reason === 'retries_exhausted').length;
  if (exhausted > 0) problems.push(`${exhausted} message(s) ran out of retries`);
  if (stillInFlight > 0) problems.push(`${stillInFlight} message(s) still in the queue`);
  if (stats.backoffViolations > 0) problems.push(`${stats.backoffViolations} backoff violation(s)`);
  if (stats.throttleViolations > 0) problems.push(`${stats.throttleViolations} throttle violation(s)`);

  return {
    invalidated: stats.invalidated,
    deauthenticated: stats.deauthenticated,
    alreadyDead: stats.tokensInSuccessfulCalls - returned,
    parkedMessages: deadLetters.length - exhausted,
    retriedMessages: pipeline.poller.stats.reportedFailures,
    stillInFlight,
    apiCalls: stats.requests,
    tokensPerCall: stats.meanTokensPerSuccessfulCall,
    backoffs: simulator.requests.filter((r) => r.fault === 'backoff').length,
    throttles: stats.errorsByName.throttle_violation ?? 0,
    backoffViolations: stats.backoffViolations,
    throttleViolations: stats.throttleViolations,
    deadLetters,
    problems,
  };
}

/** True when every expected outcome is reached and nothing is left in flight. */
export async function settled(pipeline: Pipeline, workload: DemoWorkload): Promise<boolean> {
  const { simulator } = pipeline;
  const done =
    workload.valid.every((t) => simulator.tokenState(t) === 'invalidated') &&
    workload.deauthenticate.every((t) => simulator.tokenState(t) === 'deauthenticated');
  return done && pipeline.poller.stats.busy === 0 && (await pipeline.inFlight()) === 0;
}
