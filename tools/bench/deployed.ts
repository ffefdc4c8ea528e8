import * as infraSettings from '../../infra/settings';
import { maxConcurrencyFor, PIPELINE_DEFAULTS, visibilityTimeoutInSeconds } from '../../infra/settings';
import { resolveProps } from '../../infra/token-revocation-props';

/** An SQS-triggered function behind Lambda's event source mapping, as deployed. */
export interface EventSourceLane {
  readonly batchSize: number;
  readonly maxBatchingWindowInSeconds: number;
  readonly pollers: number;
  readonly maxConcurrency: number;
  readonly requestsPerSecondPerFunction: number;
  readonly callConcurrency: number;
  readonly functionTimeoutInSeconds: number;
  readonly visibilityTimeoutInSeconds: number;
  readonly maxReceiveCount: number;
}

/** The routine lane's scheduled single consumer, as deployed. */
export interface ConsumerLane {
  readonly tickSeconds: number;
  readonly maxHoldSeconds: number;
  /** The function timeout: each run's context starts with this much time left. */
  readonly functionTimeoutInSeconds: number;
  readonly requestsPerSecond: number;
  readonly callConcurrency: number;
  readonly visibilityTimeoutInSeconds: number;
  readonly maxReceiveCount: number;
}

export interface DeployedSettings {
  /** Where the two-lane numbers came from: infra/settings.ts, or the bench's stand-in until they land there. */
  readonly source: 'infra/settings.ts' | 'bench fallback';
  readonly memoryMb: number;
  readonly totalRequestsPerSecond: number;
  /** Today's design: every token through the per-batch SQS-triggered handler. */
  readonly perBatch: EventSourceLane;
  readonly urgent: EventSourceLane;
  readonly consumer: ConsumerLane;
}

/** Lambda's SQS event source starts with five pollers, each gathering its own batch. */
export const LAMBDA_SQS_POLLERS = 5;

type RequestBudget = {
  readonly urgentMaxConcurrency: number;
  readonly urgentRequestsPerSecondPerFunction: number;
  readonly routineRequestsPerSecond: number;
};

/**
 * The lane split is being added to infra/settings.ts (splitRequestBudget, consumerTimeoutInSeconds,
 * routineVisibilityTimeoutInSeconds and the routine PIPELINE_DEFAULTS). Until it lands, the bench uses
 * the numbers the issue names: 20 requests/s in all, the urgent lane 2 instances x 2.5 requests/s, the
 * consumer 15 requests/s, tick and maxHold 60 s, a function timeout 10 s below the tick.
 */
const FALLBACK = {
  urgentRequestsPerSecond: 5,
  tickSeconds: 60,
  maxHoldSeconds: 60,
  routineMaxReceiveCount: 14,
  consumerTimeoutInSeconds: (tickSeconds: number) => tickSeconds - 10,
  routineVisibilityTimeoutInSeconds: (tickSeconds: number) => tickSeconds - 10 + tickSeconds,
  splitRequestBudget: (total: number, urgent: number, perFunction: number): RequestBudget => {
    const urgentMaxConcurrency = maxConcurrencyFor(urgent, perFunction);
    const urgentRequestsPerSecondPerFunction = Math.min(perFunction, urgent / urgentMaxConcurrency);
    return {
      urgentMaxConcurrency,
      urgentRequestsPerSecondPerFunction,
      routineRequestsPerSecond: total - urgentMaxConcurrency * urgentRequestsPerSecondPerFunction,
    };
  },
} as const;

const settingsModule = infraSettings as unknown as Readonly<Record<string, unknown>>;
const defaults = PIPELINE_DEFAULTS as unknown as Readonly<Record<string, unknown>>;

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function functionOr<F extends (...args: never[]) => unknown>(value: unknown, fallback: F): F {
  return typeof value === 'function' ? (value as F) : fallback;
}

/** The deployed numbers of both designs, from infra/settings.ts and the construct's defaults. */
export function deployedSettings(): DeployedSettings {
  const d = PIPELINE_DEFAULTS;
  const landed = typeof settingsModule.splitRequestBudget === 'function';
  const split = functionOr(settingsModule.splitRequestBudget, FALLBACK.splitRequestBudget);
  const consumerTimeout = functionOr(
    settingsModule.consumerTimeoutInSeconds,
    FALLBACK.consumerTimeoutInSeconds,
  );
  const routineVisibility = functionOr(
    settingsModule.routineVisibilityTimeoutInSeconds,
    FALLBACK.routineVisibilityTimeoutInSeconds,
  );
  const tickSeconds = numberOr(defaults.tickSeconds, FALLBACK.tickSeconds);
  const budget = split(
    d.totalRequestsPerSecond,
    numberOr(defaults.urgentRequestsPerSecond, FALLBACK.urgentRequestsPerSecond),
    d.requestsPerSecondPerFunction,
  );
  const eventSourceLane = (maxConcurrency: number, requestsPerSecondPerFunction: number) => ({
    batchSize: d.batchSize,
    maxBatchingWindowInSeconds: d.maxBatchingWindowInSeconds,
    pollers: LAMBDA_SQS_POLLERS,
    maxConcurrency,
    requestsPerSecondPerFunction,
    callConcurrency: d.callConcurrency,
    functionTimeoutInSeconds: d.functionTimeoutInSeconds,
    visibilityTimeoutInSeconds: visibilityTimeoutInSeconds(
      d.functionTimeoutInSeconds,
      d.maxBatchingWindowInSeconds,
    ),
    maxReceiveCount: d.maxReceiveCount,
  });
  return {
    source: landed ? 'infra/settings.ts' : 'bench fallback',
    memoryMb: resolveProps({}).memorySizeInMb,
    totalRequestsPerSecond: d.totalRequestsPerSecond,
    perBatch: eventSourceLane(
      maxConcurrencyFor(d.totalRequestsPerSecond, d.requestsPerSecondPerFunction),
      d.requestsPerSecondPerFunction,
    ),
    urgent: eventSourceLane(budget.urgentMaxConcurrency, budget.urgentRequestsPerSecondPerFunction),
    consumer: {
      tickSeconds,
      maxHoldSeconds: numberOr(defaults.maxHoldSeconds, FALLBACK.maxHoldSeconds),
      functionTimeoutInSeconds: consumerTimeout(tickSeconds),
      requestsPerSecond: budget.routineRequestsPerSecond,
      callConcurrency: numberOr(defaults.routineCallConcurrency, d.callConcurrency),
      visibilityTimeoutInSeconds: routineVisibility(tickSeconds),
      maxReceiveCount: numberOr(defaults.routineMaxReceiveCount, FALLBACK.routineMaxReceiveCount),
    },
  };
}
