import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { CallNotAttemptedError, ErrorCategory, errorNameOf } from './errors';
import { RevocationAction } from './message';
import { NO_PARKED_QUEUE, type ParkResult } from './park';
import type { StepLogger } from './read-messages';
import type { Outcomes, Revocation } from './revoke';
import type { ClientEvent } from './stackexchange/client';
import { ERROR_NAME_DIMENSION, LANE_DIMENSION, type Lane, MetricName } from './telemetry-names';

/** A function's Powertools logger and metrics. */
export interface Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * Writes the audit trail (one line per settled token), whatever POWERTOOLS_LOG_LEVEL says.
   * @default `logger`
   */
  readonly audit?: Logger;
}

/** The Powertools logger and metrics of a function (created once per handler). */
export function createTelemetry(options: { serviceName: string; metricsNamespace: string }): Telemetry {
  return {
    logger: new Logger({ serviceName: options.serviceName }),
    metrics: new Metrics({ serviceName: options.serviceName, namespace: options.metricsNamespace }),
    // A level given to the constructor wins over POWERTOOLS_LOG_LEVEL: the audit trail never goes quiet.
    audit: new Logger({ serviceName: options.serviceName, logLevel: 'INFO' }),
  };
}

/**
 * At the start of every invocation: the Lambda context (request id, function, cold start) in every
 * log line, and Powertools' `ColdStart` metric on an instance's first invocation. Audit lines (one
 * per token: their bytes are most of the log bill under traffic) carry the request id only.
 * Callers that are not Lambda (the local pipeline, tests) may give part of a context.
 */
export function startInvocation(telemetry: Telemetry, context: Partial<Context>): void {
  telemetry.logger.addContext(context as Context);
  telemetry.audit?.appendKeys({ function_request_id: context.awsRequestId });
  telemetry.metrics.captureColdStartMetric(context.functionName);
}

/** Counts of one invocation or run. Every step returns its part; `mergeCounts` adds them up. */
export interface Counts {
  readonly tokensInvalidated: number;
  readonly tokensDeauthenticated: number;
  readonly tokensAlreadyDead: number;
  readonly tokensParked: number;
  readonly tokensRetried: number;
  readonly tokensHeld: number;
  readonly tokensDeferred: number;
  readonly messagesParked: number;
  readonly parkingFailures: number;
  readonly apiCalls: number;
  readonly throttleViolations: number;
  readonly backoffSeconds: number;
  /** Tokens carried by each successful call. */
  readonly tokensPerCall: readonly number[];
  readonly apiErrors: Readonly<Record<string, number>>;
  readonly configurationErrors: Readonly<Record<string, number>>;
  /** The last `quota_remaining` seen, if any. */
  readonly quotaRemaining: number | undefined;
  /** Seconds from SentTimestamp to confirmation, one value per settled message. */
  readonly secondsToRevoke: readonly number[];
}

export const NO_COUNTS: Counts = {
  tokensInvalidated: 0,
  tokensDeauthenticated: 0,
  tokensAlreadyDead: 0,
  tokensParked: 0,
  tokensRetried: 0,
  tokensHeld: 0,
  tokensDeferred: 0,
  messagesParked: 0,
  parkingFailures: 0,
  apiCalls: 0,
  throttleViolations: 0,
  backoffSeconds: 0,
  tokensPerCall: [],
  apiErrors: {},
  configurationErrors: {},
  quotaRemaining: undefined,
  secondsToRevoke: [],
};

function addByName(sum: Record<string, number>, part: Readonly<Record<string, number>> | undefined): void {
  for (const [name, count] of Object.entries(part ?? {})) sum[name] = (sum[name] ?? 0) + count;
}

/** The counts that add up as plain numbers. */
const SUMMED = [
  'tokensInvalidated',
  'tokensDeauthenticated',
  'tokensAlreadyDead',
  'tokensParked',
  'tokensRetried',
  'tokensHeld',
  'tokensDeferred',
  'messagesParked',
  'parkingFailures',
  'apiCalls',
  'throttleViolations',
  'backoffSeconds',
] as const satisfies readonly (keyof Counts)[];

/** Adds counts up; the last known quota wins. One pass: linear in the parts and their lists. */
export function mergeCounts(...parts: readonly Partial<Counts>[]): Counts {
  const sums: Record<(typeof SUMMED)[number], number> = { ...NO_COUNTS };
  const tokensPerCall: number[] = [];
  const secondsToRevoke: number[] = [];
  const apiErrors: Record<string, number> = {};
  const configurationErrors: Record<string, number> = {};
  let quotaRemaining: number | undefined;
  for (const part of parts) {
    for (const key of SUMMED) sums[key] += part[key] ?? 0;
    for (const value of part.tokensPerCall ?? []) tokensPerCall.push(value);
    for (const value of part.secondsToRevoke ?? []) secondsToRevoke.push(value);
    addByName(apiErrors, part.apiErrors);
    addByName(configurationErrors, part.configurationErrors);
    quotaRemaining = part.quotaRemaining ?? quotaRemaining;
  }
  return { ...sums, tokensPerCall, apiErrors, configurationErrors, quotaRemaining, secondsToRevoke };
}

/** One configuration error by name. */
export const configurationError = (name: string): Partial<Counts> => ({ configurationErrors: { [name]: 1 } });

/** What the client reported during the calls: requests, errors, backoff, quota. */
export function countClientEvents(events: readonly ClientEvent[]): Partial<Counts> {
  const apiErrors: Record<string, number> = {};
  const tokensPerCall: number[] = [];
  let backoffSeconds = 0;
  let quotaRemaining: number | undefined;
  for (const event of events) {
    if (event.type === 'response') {
      if (event.errorName === undefined) tokensPerCall.push(event.tokenCount);
      else apiErrors[event.errorName] = (apiErrors[event.errorName] ?? 0) + 1;
    } else if (event.type === 'backoff') backoffSeconds += event.seconds;
    else quotaRemaining = event.remaining;
  }
  return {
    apiCalls: events.filter((event) => event.type === 'response').length,
    tokensPerCall,
    apiErrors,
    throttleViolations: apiErrors.throttle_violation ?? 0,
    backoffSeconds,
    quotaRemaining,
  };
}

/** Confirmed and already-dead tokens, and the configuration errors among failed calls. */
export function countRevocation({ outcomes, callErrors }: Revocation): Partial<Counts> {
  let tokensInvalidated = 0;
  let tokensDeauthenticated = 0;
  let tokensAlreadyDead = 0;
  for (const [action, byToken] of outcomes as Outcomes) {
    for (const outcome of byToken.values()) {
      if (outcome.kind === 'dead') tokensAlreadyDead += 1;
      else if (outcome.kind !== 'confirmed') continue;
      else if (action === RevocationAction.Invalidate) tokensInvalidated += 1;
      else tokensDeauthenticated += 1;
    }
  }
  const configuration = callErrors.filter(
    ({ error }) =>
      error.category === ErrorCategory.Configuration && !(error instanceof CallNotAttemptedError),
  );
  return mergeCounts(
    { tokensInvalidated, tokensDeauthenticated, tokensAlreadyDead },
    ...configuration.map(({ error }) => configurationError(errorNameOf(error))),
  );
}

/** Parked messages and tokens, and parking failures (a missing PARKED_QUEUE_URL is a configuration error). */
export function countParking(results: readonly ParkResult[]): Partial<Counts> {
  const parked = results.filter((result) => result.parked);
  const missingQueue = results.some((result) => result.failure === NO_PARKED_QUEUE);
  return mergeCounts(
    {
      messagesParked: parked.length,
      tokensParked: parked.reduce((sum, { entry }) => sum + (entry.tokens?.length ?? 0), 0),
      parkingFailures: results.length - parked.length,
    },
    missingQueue ? configurationError(NO_PARKED_QUEUE) : {},
  );
}

/** Logs each call that failed as a whole, once (a call not attempted is not a new failure). */
export function logCallErrors(logger: StepLogger, { callErrors }: Revocation): void {
  for (const { error, tokenCount } of callErrors) {
    if (error instanceof CallNotAttemptedError) {
      logger.debug('Stack Exchange call not attempted', { blockedBy: error.blockedBy, tokenCount });
    } else {
      logger.error('Stack Exchange call failed', {
        error: { name: error.name, message: error.message },
        tokenCount,
      });
    }
  }
}

/** The median and 95th percentile (nearest rank) of some values; undefined when there are none. */
export function percentiles(
  values: readonly number[],
): { p50: number; p95: number; max: number } | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
  return { p50: rank(0.5), p95: rank(0.95), max: sorted[sorted.length - 1] as number };
}

/** A plain summary for the invocation's log line (counts only, never tokens). */
export function summarize(counts: Counts) {
  const { tokensPerCall, secondsToRevoke, ...rest } = counts;
  return { ...rest, secondsToRevoke: percentiles(secondsToRevoke) };
}

function total(byName: Readonly<Record<string, number>>): number {
  return Object.values(byName).reduce((sum, count) => sum + count, 0);
}

/** Writes the invocation's metrics that are not zero (EMF on stdout) and clears the buffer. */
export function publishCounts(metrics: Metrics, counts: Counts, lane: Lane): void {
  const values: [MetricName, number][] = [
    [MetricName.TokensInvalidated, counts.tokensInvalidated],
    [MetricName.TokensDeauthenticated, counts.tokensDeauthenticated],
    [MetricName.TokensAlreadyDead, counts.tokensAlreadyDead],
    [MetricName.TokensParked, counts.tokensParked],
    [MetricName.TokensRetried, counts.tokensRetried],
    [MetricName.TokensHeld, counts.tokensHeld],
    [MetricName.TokensDeferred, counts.tokensDeferred],
    [MetricName.MessagesParked, counts.messagesParked],
    [MetricName.ParkingFailures, counts.parkingFailures],
    [MetricName.ApiCalls, counts.apiCalls],
    [MetricName.ApiErrors, total(counts.apiErrors)],
    [MetricName.ThrottleViolations, counts.throttleViolations],
    [MetricName.ConfigurationErrors, total(counts.configurationErrors)],
  ];
  // Only what happened: a custom metric is billed for every hour it receives data, and every alarm on
  // these counts treats missing data as not breaching, so a zero is worth nothing and costs money.
  for (const [name, value] of values) if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
  if (counts.backoffSeconds > 0) {
    metrics.addMetric(MetricName.BackoffSeconds, MetricUnit.Seconds, counts.backoffSeconds);
  }
  if (counts.quotaRemaining !== undefined) {
    metrics.addMetric(MetricName.QuotaRemaining, MetricUnit.Count, counts.quotaRemaining);
  }
  for (const tokens of counts.tokensPerCall)
    metrics.addMetric(MetricName.TokensPerCall, MetricUnit.Count, tokens);
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  publishByName(metrics, MetricName.ApiErrors, counts.apiErrors);
  publishByName(metrics, MetricName.ConfigurationErrors, counts.configurationErrors);
  const time = percentiles(counts.secondsToRevoke);
  if (time !== undefined) {
    // A single metric is published as soon as it is added: one per value, each with the lane.
    for (const [name, seconds] of [
      [MetricName.TimeToRevokeP50, time.p50],
      [MetricName.TimeToRevokeP95, time.p95],
    ] as const) {
      const single = metrics.singleMetric();
      single.addDimension(LANE_DIMENSION, lane);
      single.addMetric(name, MetricUnit.Seconds, seconds);
    }
  }
}

function publishByName(metrics: Metrics, name: MetricName, counts: Readonly<Record<string, number>>): void {
  for (const [errorName, count] of Object.entries(counts)) {
    const single = metrics.singleMetric();
    single.addDimension(ERROR_NAME_DIMENSION, errorName);
    single.addMetric(name, MetricUnit.Count, count);
  }
}
