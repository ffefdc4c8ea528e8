/**
 * The pipeline's numbers, in one place. The CDK construct uses them as its defaults and the local
 * sandbox creates its queues and poller from them, so the two can never drift apart.
 * Plain values only: this file must not import aws-cdk-lib (the sandbox and the handler tooling load it).
 * The defaults the functions read from their environment come from functions/lib/limits.ts.
 */
import {
  CALL_CONCURRENCY,
  DAILY_CALL_BUDGET,
  MAX_DEFER_SECONDS,
  MAX_HOLD_SECONDS,
  QUOTA_RESERVE_FRACTION,
  REQUESTS_PER_SECOND,
  ROUTINE_QUOTA_FLOOR_FRACTION,
  ROUTINE_RETRY_DELAY_SECONDS,
  SAFETY_MARGIN_MS,
  TICK_SECONDS,
  urgentReserveCallsFor,
} from '../functions/lib/limits';

/** Tokens one Stack Exchange call carries at most. */
export const TOKENS_PER_CALL = 20;

/** SQS's visibility limit: a message may be kept invisible at most 12 hours from the receive that got its handle. */
export const MAX_VISIBILITY_SECONDS = 43_200;

export const PIPELINE_DEFAULTS = {
  /** Records per Lambda invocation of the urgent lane: 100 single-token messages fill five calls of 20. */
  batchSize: 100,
  /** How long the urgent lane's event source gathers records before invoking. */
  maxBatchingWindowInSeconds: 5,
  /** The urgent handler's timeout. */
  functionTimeoutInSeconds: 30,
  /**
   * Receives of an urgent message before SQS moves it to the dead-letter queue: enough for a day-long
   * pause, a ten-minute outage and the releases of a leak (see urgentMaxReceiveCountFor).
   */
  maxReceiveCount: 13,
  /**
   * How long the source queues keep an unprocessed message: longer than any pause (a budget day, or
   * the API's "more requests available in N seconds") and a weekend of quota starvation. SQS deletes an
   * expired message without moving it to the dead-letter queue.
   */
  retentionPeriodInDays: 10,
  /**
   * How long the dead-letter queue keeps a message: the SQS maximum. A message's age counts from its
   * first send, also after the move, so the dead-letter queue must keep messages longer than the
   * source queues (a message dead-lettered on its 10th day still has 4 days there).
   */
  deadLetterRetentionPeriodInDays: 14,
  /** The DeadLetterAging alarm fires when a message has been this long in the dead-letter queue. */
  deadLetterAgeAlarmInDays: 10,
  /**
   * Stack Exchange requests per second for the whole deployment, both lanes together.
   * The API bans an IP above 30 requests/s; this stays well under it.
   */
  totalRequestsPerSecond: 20,
  /**
   * The urgent lane's explicit share of `totalRequestsPerSecond`; the routine consumer owns the rest.
   * Seconds matter for leaks, not for logouts: 15 requests/s (3 instances x 5) revoke a 10,000-token
   * leak in 10,000 / 20 = 500 calls / 15 = about 33 s. The routine lane is bounded by the daily quota, not by
   * its rate: 10,000 calls a day is 0.12 requests/s on average, and its 5 requests/s still spend a
   * whole day's quota in 10,000 / 5 = 2,000 s (33 minutes).
   */
  urgentRequestsPerSecond: 15,
  /**
   * Stack Exchange requests per second one urgent handler instance may make (lowered to fit the share):
   * the urgent event source runs 15 / 5 = 3 instances at most (its maximum concurrency).
   */
  requestsPerSecondPerFunction: REQUESTS_PER_SECOND.default,
  /** Concurrent API calls inside one urgent invocation. */
  callConcurrency: CALL_CONCURRENCY.default,
  /**
   * Concurrent API calls inside one run of the routine consumer. Little's law: its share (5 requests/s
   * by default) at up to about 800 ms per call (a slow answer) needs 5 x 0.8 = 4 calls in flight, as
   * many as an urgent instance at the same rate (callConcurrency). At the usual 500 ms, 2.5 would do.
   */
  routineCallConcurrency: 4,
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
  /**
   * Stack Exchange calls both lanes may make in one budget day (UTC), counted in the shared control
   * table: 9,000 of the key's 10,000, since the quota is counted per IP and shared with every other
   * application calling from that IP.
   */
  dailyCallBudget: DAILY_CALL_BUDGET.default,
  /** Calls of the daily budget routine work never spends, kept for leaks: 20% of 9,000 = 1,800. */
  urgentReserveCalls: urgentReserveCallsFor(DAILY_CALL_BUDGET.default),
  /** Below this fraction of `quota_max` left (the API's own count), routine sends nothing. */
  routineQuotaFloorFraction: ROUTINE_QUOTA_FLOOR_FRACTION.default,
  /** The urgent handler keeps this much of its timeout free (SAFETY_MARGIN_MS), in seconds. */
  safetyMarginSeconds: SAFETY_MARGIN_MS.default / 1000,
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
 * With the defaults: urgent 15 / 5 = 3 instances x 5 = 15, routine 20 - 15 = 5 requests/s. The daily
 * call budget, not these rates, bounds what a lane spends in a day.
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

/** The longest pause a waiting urgent message must survive: a whole budget day (an exhausted budget
 * waits for the next UTC day), and the API's longest "more requests available in N seconds". */
export const PAUSE_TO_SURVIVE_IN_SECONDS = 86_400;

/** The leak the urgent lane must drain without dead-lettering the messages it releases: 10,000 tokens. */
export const LEAK_TO_SURVIVE_TOKENS = 10_000;

/**
 * Tokens one urgent invocation can send before its deadline: its rate for the time its timeout leaves
 * after the safety margin, in calls of 20. Defaults: floor(5 x (30 - 3)) = 135 calls = 2,700 tokens.
 */
export function tokensPerUrgentInvocation(
  requestsPerSecondPerFunction: number,
  functionTimeoutInSeconds: number,
  safetyMarginSeconds: number = PIPELINE_DEFAULTS.safetyMarginSeconds,
): number {
  const seconds = Math.max(0, functionTimeoutInSeconds - safetyMarginSeconds);
  return Math.max(1, Math.floor(requestsPerSecondPerFunction * seconds)) * TOKENS_PER_CALL;
}

/** What the urgent lane's receive budget must cover: see urgentMaxReceiveCountFor. */
export interface UrgentReceiveBudget {
  /** The urgent queue's visibility timeout: a failed or killed invocation's records come back after it. */
  readonly visibilityTimeoutInSeconds: number;
  /** Tokens one invocation can send before its deadline (tokensPerUrgentInvocation). */
  readonly tokensPerInvocation: number;
  /** @default PAUSE_TO_SURVIVE_IN_SECONDS (86,400) */
  readonly pauseSeconds?: number;
  /** @default OUTAGE_TO_SURVIVE_IN_SECONDS (600) */
  readonly outageSeconds?: number;
  /** @default LEAK_TO_SURVIVE_TOKENS (10,000) */
  readonly leakTokens?: number;
}

/**
 * Receives an urgent message may need before it is settled, so that waiting never moves it to the
 * dead-letter queue. Every receive that does not settle an urgent message is one of:
 * - a receive during a pause (the API's "more requests available in N seconds", a backoff, or an
 *   exhausted budget): the handler returns the record with its visibility set to the pause's end, but
 *   SQS allows at most 12 hours from the receive, so a pause of P seconds costs ceil(P / 43,200)
 *   receives, plus one that comes back a moment before the pause ends (clocks, rounding);
 * - the receive whose call met the pause (the call that got `throttle_violation`, or found the budget
 *   spent): 1;
 * - a failed attempt during an API outage: the record comes back after the visibility timeout, so
 *   ceil(outage / visibility timeout);
 * - a release: an invocation takes only the messages it can send before its deadline and makes the
 *   others visible again at once. While a leak drains, a message may be released by every invocation
 *   but the last: ceil(leak tokens / tokens per invocation) - 1;
 * plus the receive that finally settles it, plus one for an invocation killed midway.
 * Defaults: (ceil(86,400 / 43,200) = 2) + 1 pause end + 1 pause start + (ceil(600 / 185) = 4) outage
 * attempts + (ceil(10,000 / 2,700) - 1 = 3) releases + 1 settling + 1 killed = 13. A message that
 * fails every time reaches the dead-letter queue after about 13 x 185 s = 40 minutes.
 */
export function urgentMaxReceiveCountFor(budget: UrgentReceiveBudget): number {
  const pauseSeconds = budget.pauseSeconds ?? PAUSE_TO_SURVIVE_IN_SECONDS;
  const outageSeconds = budget.outageSeconds ?? OUTAGE_TO_SURVIVE_IN_SECONDS;
  const leakTokens = budget.leakTokens ?? LEAK_TO_SURVIVE_TOKENS;
  const pauseReceives = Math.ceil(pauseSeconds / MAX_VISIBILITY_SECONDS) + 1;
  const pauseStart = 1;
  const outageAttempts = Math.ceil(outageSeconds / budget.visibilityTimeoutInSeconds);
  const releases = Math.max(0, Math.ceil(leakTokens / budget.tokensPerInvocation) - 1);
  const settling = 1;
  const killedInvocation = 1;
  return pauseReceives + pauseStart + outageAttempts + releases + settling + killedInvocation;
}
