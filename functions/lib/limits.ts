/**
 * The one source of each setting's default and accepted range, shared by the handler's environment
 * (functions/lib/config.ts), the Stack Exchange client, the CLI and the CDK construct's props.
 * Plain values only: infra code imports this file without loading the Lambda runtime.
 */

/** A numeric setting: its default and its accepted range (inclusive). */
export interface NumericLimit {
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** Whole numbers only. */
  readonly integer: boolean;
}

/** Stack Exchange requests per second of one client (one function instance, or the CLI). */
export const REQUESTS_PER_SECOND: NumericLimit = { default: 5, min: 0.01, max: 25, integer: false };

/** API calls in flight at once inside one invocation. */
export const CALL_CONCURRENCY: NumericLimit = { default: 4, min: 1, max: 32, integer: true };

/** Timeout of one HTTP request to the API, in ms. */
export const REQUEST_TIMEOUT_MS: NumericLimit = { default: 10_000, min: 100, max: 60_000, integer: true };

/** Attempts per call for transient errors, the first included. */
export const MAX_ATTEMPTS: NumericLimit = { default: 3, min: 1, max: 5, integer: true };

/** Time kept free before the Lambda timeout, to park and report, in ms. */
export const SAFETY_MARGIN_MS: NumericLimit = { default: 3000, min: 0, max: 60_000, integer: true };

/** True when `value` is a number the limit accepts. */
export function withinLimit(value: number, limit: NumericLimit): boolean {
  return (
    Number.isFinite(value) &&
    (!limit.integer || Number.isInteger(value)) &&
    value >= limit.min &&
    value <= limit.max
  );
}

/** "an integer from 1 to 32" / "a number from 0.01 to 25": for error messages. */
export function describeLimit(limit: NumericLimit): string {
  return `${limit.integer ? 'an integer' : 'a number'} from ${limit.min} to ${limit.max}`;
}

/** Seconds between two runs of the routine lane's scheduled consumer (EventBridge Scheduler's rate). */
export const TICK_SECONDS: NumericLimit = { default: 60, min: 1, max: 3600, integer: true };

/** Longest a routine token may wait so that its call fills up to 20 tokens. */
export const MAX_HOLD_SECONDS: NumericLimit = { default: 60, min: 0, max: 3600, integer: true };

/** Longest a routine token may be deferred while the daily quota is below the reserve. */
export const MAX_DEFER_SECONDS: NumericLimit = { default: 900, min: 0, max: 43_200, integer: true };

/** Fraction of `quota_max` kept for the rest of the app: below it, routine tokens go only in full calls. */
export const QUOTA_RESERVE_FRACTION: NumericLimit = { default: 0.5, min: 0, max: 1, integer: false };

/** Long-poll wait of one receive of the consumer: an empty answer after it ends the receiving. */
export const RECEIVE_WAIT_SECONDS: NumericLimit = { default: 1, min: 1, max: 20, integer: true };

/** The routine consumer's retry delay of a failed message: `first` seconds, doubling with each receive, at most `max`. */
export const ROUTINE_RETRY_DELAY_SECONDS = { first: 30, max: 300 } as const;

/** The retry delay of a message on its `receiveCount`-th receive. */
export function routineRetryDelaySeconds(receiveCount: number): number {
  const { first, max } = ROUTINE_RETRY_DELAY_SECONDS;
  return Math.min(max, first * 2 ** Math.max(0, receiveCount - 1));
}

/**
 * Stack Exchange calls the deployment may make in one budget day (UTC), both lanes together, counted
 * in the shared control table. The key's quota is 10,000 a day, counted per IP and shared with every
 * other application calling from that IP: leave room for them.
 */
export const DAILY_CALL_BUDGET: NumericLimit = { default: 9000, min: 1, max: 1_000_000, integer: true };

/** Share of the daily call budget kept for the urgent lane when URGENT_RESERVE_CALLS is not given. */
export const URGENT_RESERVE_SHARE = 0.2;

/** Calls of the daily budget that routine work never spends: kept for leaks. @default 20% of the budget */
export const URGENT_RESERVE_CALLS: NumericLimit = { default: 1800, min: 0, max: 1_000_000, integer: true };

/** The urgent reserve that goes with a daily budget when none is given: 20%, rounded down. */
export function urgentReserveCallsFor(dailyCallBudget: number): number {
  return Math.floor(dailyCallBudget * URGENT_RESERVE_SHARE);
}

/** Below this fraction of `quota_max` left (the API's own count), routine sends nothing at all. */
export const ROUTINE_QUOTA_FLOOR_FRACTION: NumericLimit = { default: 0.2, min: 0, max: 1, integer: false };

/** While routine is below the quota floor it learns whether the quota came back by one probe call this often, at most. */
export const QUOTA_PROBE_INTERVAL_SECONDS = 900;
