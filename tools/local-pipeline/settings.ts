import { ConfigurationError } from '../../functions/lib/errors';
import { urgentReserveCallsFor } from '../../functions/lib/limits';
import {
  consumerTimeoutInSeconds,
  PIPELINE_DEFAULTS,
  routineMaxReceiveCountFor,
  routineVisibilityTimeoutInSeconds,
  splitRequestBudget,
  visibilityTimeoutInSeconds,
} from '../../infra/settings';

/** What the local pipeline may change from the deployed numbers (each change is printed). */
export interface LocalOverrides {
  /** The routine consumer's schedule. @default the deployed tick */
  readonly tickSeconds?: number;
  /** The urgent handler's timeout; the urgent queue's visibility follows the construct's formula. @default 8 */
  readonly urgentFunctionTimeoutSeconds?: number;
  /** The urgent event source's batching window. @default the deployed window */
  readonly maxBatchingWindowSeconds?: number;
  /** @default the deployed value */
  readonly maxHoldSeconds?: number;
  /** @default the deployed value */
  readonly maxDeferSeconds?: number;
  /** @default the deployed value */
  readonly quotaReserveFraction?: number;
  /** Calls a budget day, both lanes together (small budgets compress a day of exhaustion). @default the deployed value */
  readonly dailyCallBudget?: number;
  /** Calls of the budget routine never spends. @default 20% of the daily call budget */
  readonly urgentReserveCalls?: number;
}

/** Every number of the local pipeline, derived from infra/settings.ts as the CDK construct derives them. */
export interface LocalSettings {
  readonly urgent: {
    readonly batchSize: number;
    readonly maxBatchingWindowSeconds: number;
    readonly functionTimeoutSeconds: number;
    readonly visibilityTimeoutSeconds: number;
    readonly maxReceiveCount: number;
    readonly maxConcurrency: number;
    readonly requestsPerSecondPerFunction: number;
    readonly callConcurrency: number;
  };
  readonly routine: {
    readonly tickSeconds: number;
    /** True when the tick is not the deployed one. */
    readonly tickShortened: boolean;
    readonly functionTimeoutSeconds: number;
    readonly visibilityTimeoutSeconds: number;
    readonly maxReceiveCount: number;
    readonly requestsPerSecond: number;
    readonly callConcurrency: number;
    readonly maxHoldSeconds: number;
    readonly maxDeferSeconds: number;
    readonly quotaReserveFraction: number;
  };
  readonly budget: {
    readonly dailyCallBudget: number;
    readonly urgentReserveCalls: number;
    readonly routineQuotaFloorFraction: number;
  };
  readonly retentionPeriodSeconds: number;
  readonly deadLetterRetentionPeriodSeconds: number;
}

/** The deployed tick of the routine consumer. */
export const DEPLOYED_TICK_SECONDS = PIPELINE_DEFAULTS.tickSeconds;

const positive = (name: string, value: number) => {
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigurationError(name, `${value} is not a positive number`);
  return value;
};

/**
 * The consumer's timeout: the construct's (10 s below the tick) where the tick allows it; a shortened
 * tick keeps half a second less than the tick, so one run still ends before the next is due.
 */
function consumerTimeoutSeconds(tickSeconds: number): number {
  return tickSeconds > 20 ? consumerTimeoutInSeconds(tickSeconds) : Math.max(1, tickSeconds - 0.5);
}

export function localSettings(overrides: LocalOverrides = {}): LocalSettings {
  const tickSeconds = positive('tickSeconds', overrides.tickSeconds ?? DEPLOYED_TICK_SECONDS);
  const urgentTimeout = positive('urgentFunctionTimeoutSeconds', overrides.urgentFunctionTimeoutSeconds ?? 8);
  const window = overrides.maxBatchingWindowSeconds ?? PIPELINE_DEFAULTS.maxBatchingWindowInSeconds;
  const budget = splitRequestBudget(
    PIPELINE_DEFAULTS.totalRequestsPerSecond,
    PIPELINE_DEFAULTS.urgentRequestsPerSecond,
    PIPELINE_DEFAULTS.requestsPerSecondPerFunction,
  );
  const maxHoldSeconds = overrides.maxHoldSeconds ?? PIPELINE_DEFAULTS.maxHoldSeconds;
  const dailyCallBudget = positive(
    'dailyCallBudget',
    overrides.dailyCallBudget ?? PIPELINE_DEFAULTS.dailyCallBudget,
  );
  const routineTimeout = consumerTimeoutSeconds(tickSeconds);
  return {
    urgent: {
      batchSize: PIPELINE_DEFAULTS.batchSize,
      maxBatchingWindowSeconds: window,
      functionTimeoutSeconds: urgentTimeout,
      visibilityTimeoutSeconds: visibilityTimeoutInSeconds(urgentTimeout, window),
      maxReceiveCount: PIPELINE_DEFAULTS.maxReceiveCount,
      maxConcurrency: budget.urgentMaxConcurrency,
      requestsPerSecondPerFunction: budget.urgentRequestsPerSecondPerFunction,
      callConcurrency: PIPELINE_DEFAULTS.callConcurrency,
    },
    routine: {
      tickSeconds,
      tickShortened: tickSeconds !== DEPLOYED_TICK_SECONDS,
      functionTimeoutSeconds: routineTimeout,
      visibilityTimeoutSeconds:
        tickSeconds > 20
          ? routineVisibilityTimeoutInSeconds(tickSeconds)
          : Math.ceil(routineTimeout + tickSeconds),
      maxReceiveCount: routineMaxReceiveCountFor(tickSeconds, maxHoldSeconds),
      requestsPerSecond: budget.routineRequestsPerSecond,
      callConcurrency: PIPELINE_DEFAULTS.routineCallConcurrency,
      maxHoldSeconds,
      maxDeferSeconds: overrides.maxDeferSeconds ?? PIPELINE_DEFAULTS.maxDeferSeconds,
      quotaReserveFraction: overrides.quotaReserveFraction ?? PIPELINE_DEFAULTS.quotaReserveFraction,
    },
    budget: {
      dailyCallBudget,
      urgentReserveCalls: overrides.urgentReserveCalls ?? urgentReserveCallsFor(dailyCallBudget),
      routineQuotaFloorFraction: PIPELINE_DEFAULTS.routineQuotaFloorFraction,
    },
    retentionPeriodSeconds: PIPELINE_DEFAULTS.retentionPeriodInDays * 86_400,
    deadLetterRetentionPeriodSeconds: PIPELINE_DEFAULTS.deadLetterRetentionPeriodInDays * 86_400,
  };
}
