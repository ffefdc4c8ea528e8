/**
 * The pipeline's numbers, in one place. The CDK construct uses them as its defaults and the local
 * sandbox creates its queues and poller from them, so the two can never drift apart.
 * Plain values only: this file must not import aws-cdk-lib (the sandbox and the handler tooling load it).
 * The defaults the functions read from their environment come from functions/lib/limits.ts.
 */
import {
  CALL_CONCURRENCY,
  MAX_DEFER_SECONDS,
  MAX_HOLD_SECONDS,
  QUOTA_RESERVE_FRACTION,
  REQUESTS_PER_SECOND,
  ROUTINE_RETRY_DELAY_SECONDS,
  TICK_SECONDS,
} from '../functions/lib/limits';

export const PIPELINE_DEFAULTS = {
  /** Records per Lambda invocation of the urgent lane: 100 single-token messages fill five calls of 20. */
  batchSize: 100,
  /** How long the urgent lane's event source gathers records before invoking. */
  maxBatchingWindowInSeconds: 5,
  /** The urgent handler's timeout. */
  functionTimeoutInSeconds: 30,
  /** Receives of an urgent message before SQS moves it to the dead-letter queue (it is retried, not held). */
  maxReceiveCount: 5,
  /** How long the source queues keep an unprocessed message. */
  retentionPeriodInDays: 4,
  /** How long the dead-letter queue keeps a message: the SQS maximum. */
  deadLetterRetentionPeriodInDays: 14,
  /**
   * Stack Exchange requests per second for the whole deployment, both lanes together.
   * The API bans an IP above 30 requests/s; this stays well under it.
   */
  totalRequestsPerSecond: 20,
  /** The urgent lane's explicit share of `totalRequestsPerSecond`; the routine consumer owns the rest. */
  urgentRequestsPerSecond: 5,
  /** Stack Exchange requests per second one urgent handler instance may make (lowered to fit the share). */
  requestsPerSecondPerFunction: REQUESTS_PER_SECOND.default,
  /** Concurrent API calls inside one urgent invocation. */
  callConcurrency: CALL_CONCURRENCY.default,
  /**
   * Concurrent API calls inside one run of the routine consumer. Little's law: its share (15 requests/s
   * by default) at up to about 500 ms per call needs 15 x 0.5 = 7.5 calls in flight.
   */
  routineCallConcurrency: 8,
  /** The routine consumer runs every this many seconds (EventBridge Scheduler rates are whole minutes). */
  tickSeconds: TICK_SECONDS.default,
  /** A routine token may wait at most this long so that its call fills up to 20 tokens. */
  maxHoldSeconds: MAX_HOLD_SECONDS.default,
  /** With the daily quota below the reserve, a routine token waits for a full call at most this long. */
  maxDeferSeconds: MAX_DEFER_SECONDS.default,
  /** Below this fraction of `quota_max` left, routine tokens go out only in full calls (or once overdue). */
  quotaReserveFraction: QUOTA_RESERVE_FRACTION.default,
  /** Receives of a routine message before SQS moves it to the dead-letter queue: see routineMaxReceiveCountFor. */
  routineMaxReceiveCount: 14,
} as const;

/**
 * The urgent queue's visibility timeout: at least six times the function timeout plus the batching
 * window, as AWS recommends for SQS event sources, so a message is never redelivered while a slow
 * invocation still holds it.
 */
export function visibilityTimeoutInSeconds(
  functionTimeoutInSeconds: number,
  maxBatchingWindowInSeconds: number,
): number {
  return 6 * functionTimeoutInSeconds + maxBatchingWindowInSeconds;
}

/**
 * How many functions may run at once so that together they stay inside the given request budget.
 * Lambda's SQS event source needs at least 2.
 */
export function maxConcurrencyFor(
  totalRequestsPerSecond: number,
  requestsPerSecondPerFunction: number,
): number {
  return Math.max(2, Math.floor(totalRequestsPerSecond / requestsPerSecondPerFunction));
}

/** How the deployment's request budget is shared between the two lanes. */
export interface RequestBudget {
  /** Urgent handler instances the SQS event source may run at once (at least 2). */
  readonly urgentMaxConcurrency: number;
  /** One urgent instance's rate: urgentMaxConcurrency x this <= the urgent share. */
  readonly urgentRequestsPerSecondPerFunction: number;
  /** The single routine consumer's rate: everything the urgent lane cannot use. */
  readonly routineRequestsPerSecond: number;
}

const hundredths = (value: number) => Math.floor(value * 100 + 1e-9) / 100;

/**
 * Splits `totalRequestsPerSecond` between the lanes. The urgent lane gets its explicit share, spread
 * over at least two instances (the event source's minimum; each instance's rate is lowered when the
 * share is too small for two at the requested rate). The routine consumer, a single instance, owns the
 * rest. Rates are rounded down to 1/100 request/s, so urgent + routine never exceeds the total.
 * With the defaults: urgent 2 x 2.5 = 5, routine 20 - 5 = 15 requests/s.
 */
export function splitRequestBudget(
  totalRequestsPerSecond: number,
  urgentRequestsPerSecond: number,
  requestsPerSecondPerFunction: number,
): RequestBudget {
  const urgentMaxConcurrency = maxConcurrencyFor(urgentRequestsPerSecond, requestsPerSecondPerFunction);
  const urgentRequestsPerSecondPerFunction = Math.min(
    requestsPerSecondPerFunction,
    hundredths(urgentRequestsPerSecond / urgentMaxConcurrency),
  );
  return {
    urgentMaxConcurrency,
    urgentRequestsPerSecondPerFunction,
    routineRequestsPerSecond: hundredths(
      totalRequestsPerSecond - urgentMaxConcurrency * urgentRequestsPerSecondPerFunction,
    ),
  };
}

/** Seconds a run of the routine consumer may take: below the tick, so one run ends before the next is due. */
export function consumerTimeoutInSeconds(tickSeconds: number): number {
  return tickSeconds - 10;
}

/**
 * The routine queue's default visibility timeout (the consumer sets its own per receive): a whole run
 * plus one tick, so a message a killed run was holding is back for the run after next.
 */
export function routineVisibilityTimeoutInSeconds(tickSeconds: number): number {
  return consumerTimeoutInSeconds(tickSeconds) + tickSeconds;
}

/** The API outage a routine message must survive without reaching the dead-letter queue. */
export const OUTAGE_TO_SURVIVE_IN_SECONDS = 600;

/**
 * Failed attempts a routine message can make while the API is down for `outageSeconds`: the larger of
 * the consumer's backoff schedule (attempts at 0, 30, 90, 210 and 450 s: 5 in ten minutes) and one
 * attempt per run (ceil(outage / tick): 10 at one-minute ticks), so a consumer that retried at every
 * run would be covered too.
 */
export function failedAttemptsWithin(outageSeconds: number, tickSeconds: number): number {
  let attempts = 0;
  for (let at = 0; at < outageSeconds; attempts += 1) {
    at += Math.min(ROUTINE_RETRY_DELAY_SECONDS.max, ROUTINE_RETRY_DELAY_SECONDS.first * 2 ** attempts);
  }
  return Math.max(attempts, Math.ceil(outageSeconds / tickSeconds));
}

/**
 * Receives a routine message may need before it is settled, so that SQS moves it to the dead-letter
 * queue only when something is really wrong. Every receive that does not settle a message is one of:
 * - a hold: a partial call waits for the next run while every token can still make it inside
 *   maxHold, so at most ceil(maxHold / tick) holds;
 * - a deferral: the quota is below the reserve, and the message is made invisible until shortly
 *   before it is due, in one visibility change: 1;
 * - a failed attempt during an API outage: failedAttemptsWithin(outage, tick);
 * plus the receive that finally settles it, plus one for a run killed midway.
 * Defaults: 1 hold + 1 deferral + max(5, 600 s / 60 s) = 10 outage attempts + 1 settling + 1 margin = 14.
 */
export function routineMaxReceiveCountFor(
  tickSeconds: number,
  maxHoldSeconds: number,
  outageSeconds = OUTAGE_TO_SURVIVE_IN_SECONDS,
): number {
  const holds = Math.ceil(maxHoldSeconds / tickSeconds);
  const deferrals = 1;
  const outageAttempts = failedAttemptsWithin(outageSeconds, tickSeconds);
  const settling = 1;
  const killedRun = 1;
  return holds + deferrals + outageAttempts + settling + killedRun;
}
