import { ConfigurationError } from '../../functions/lib/errors';
import { TICK_SECONDS } from '../../functions/lib/limits';
import { maxConcurrencyFor, PIPELINE_DEFAULTS, visibilityTimeoutInSeconds } from '../../infra/settings';

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
  readonly retentionPeriodSeconds: number;
  readonly deadLetterRetentionPeriodSeconds: number;
}

/**
 * Receives a routine message may need (the construct's rule, infra/settings.ts on the infra branch):
 * a hold per tick within maxHold, one deferral, one failed attempt per tick of a 10-minute outage,
 * the settling receive and one for a killed run. A shortened tick needs more of them.
 */
function routineMaxReceiveCount(tickSeconds: number, maxHoldSeconds: number): number {
  return Math.ceil(maxHoldSeconds / tickSeconds) + 1 + Math.ceil(600 / tickSeconds) + 1 + 1;
}

/** The deployed tick of the routine consumer. */
export const DEPLOYED_TICK_SECONDS = TICK_SECONDS.default;

const positive = (name: string, value: number) => {
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigurationError(name, `${value} is not a positive number`);
  return value;
};

/**
 * The consumer's timeout: the deployed rule (10 s below the tick) where the tick allows it; a
 * shortened tick keeps half a second less than the tick, so one run still ends before the next is due.
 */
function consumerTimeoutSeconds(tickSeconds: number): number {
  return tickSeconds > 20 ? tickSeconds - 10 : Math.max(1, tickSeconds - 0.5);
}

export function localSettings(overrides: LocalOverrides = {}): LocalSettings {
  const tickSeconds = positive('tickSeconds', overrides.tickSeconds ?? DEPLOYED_TICK_SECONDS);
  const urgentTimeout = positive('urgentFunctionTimeoutSeconds', overrides.urgentFunctionTimeoutSeconds ?? 8);
  const window = overrides.maxBatchingWindowSeconds ?? PIPELINE_DEFAULTS.maxBatchingWindowInSeconds;
  const urgentConcurrency = maxConcurrencyFor(
    PIPELINE_DEFAULTS.totalRequestsPerSecond,
    PIPELINE_DEFAULTS.requestsPerSecondPerFunction,
  );
  const maxHoldSeconds = overrides.maxHoldSeconds ?? 60;
  const routineTimeout = consumerTimeoutSeconds(tickSeconds);
  return {
    urgent: {
      batchSize: PIPELINE_DEFAULTS.batchSize,
      maxBatchingWindowSeconds: window,
      functionTimeoutSeconds: urgentTimeout,
      visibilityTimeoutSeconds: visibilityTimeoutInSeconds(urgentTimeout, window),
      maxReceiveCount: PIPELINE_DEFAULTS.maxReceiveCount,
      maxConcurrency: urgentConcurrency,
      requestsPerSecondPerFunction: PIPELINE_DEFAULTS.requestsPerSecondPerFunction,
      callConcurrency: PIPELINE_DEFAULTS.callConcurrency,
    },
    routine: {
      tickSeconds,
      tickShortened: tickSeconds !== DEPLOYED_TICK_SECONDS,
      functionTimeoutSeconds: routineTimeout,
      visibilityTimeoutSeconds: Math.ceil(routineTimeout + tickSeconds),
      maxReceiveCount: routineMaxReceiveCount(tickSeconds, maxHoldSeconds),
      requestsPerSecond:
        PIPELINE_DEFAULTS.totalRequestsPerSecond - PIPELINE_DEFAULTS.requestsPerSecondPerFunction,
      callConcurrency: 8,
      maxHoldSeconds,
      maxDeferSeconds: overrides.maxDeferSeconds ?? 900,
      quotaReserveFraction: overrides.quotaReserveFraction ?? 0.5,
    },
    retentionPeriodSeconds: PIPELINE_DEFAULTS.retentionPeriodInDays * 86_400,
    deadLetterRetentionPeriodSeconds: PIPELINE_DEFAULTS.deadLetterRetentionPeriodInDays * 86_400,
  };
}
