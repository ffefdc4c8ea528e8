/**
 * Names shared by the handler (which emits them) and the CDK construct (which alarms and draws on them).
 * Plain values only, so infra code can import this file without pulling in the Lambda runtime.
 */

/** Default CloudWatch namespace of the handler's metrics (override with POWERTOOLS_METRICS_NAMESPACE). */
export const DEFAULT_METRICS_NAMESPACE = 'TokenRevoker';

/** Default Powertools service name; Powertools adds it to every metric as the `service` dimension. */
export const DEFAULT_SERVICE_NAME = 'token-revoker';

/** Dimension added to the per-error metrics (`ApiErrors`, `ConfigurationErrors`), next to `service`. */
export const ERROR_NAME_DIMENSION = 'error_name';

/** Dimension of the time-to-revoke metrics (next to `service`): which lane the tokens took. */
export const LANE_DIMENSION = 'lane';

/** The two lanes: `routine` (the scheduled consumer) and `urgent` (the SQS-triggered handler). */
export const Lane = { Routine: 'routine', Urgent: 'urgent' } as const;
export type Lane = (typeof Lane)[keyof typeof Lane];

/** Metric names the handler emits (Embedded Metric Format, through Powertools). */
export const MetricName = {
  /** Tokens the API confirmed invalidated (returned in `items`). Unit: Count. */
  TokensInvalidated: 'TokensInvalidated',
  /** Tokens the API did not return: unknown or already dead. Done, not retried. Unit: Count. */
  TokensAlreadyDead: 'TokensAlreadyDead',
  /** Tokens the de-authenticate endpoint confirmed. Unit: Count. */
  TokensDeauthenticated: 'TokensDeauthenticated',
  /** Tokens parked in the parked queue as permanently bad input. Unit: Count. */
  TokensParked: 'TokensParked',
  /** Tokens left for SQS to redeliver (their message is in batchItemFailures). Unit: Count. */
  TokensRetried: 'TokensRetried',
  /** SQS messages parked in the parked queue by the handler. Unit: Count. */
  MessagesParked: 'MessagesParked',
  /** Parking attempts that failed (the message is retried instead). Unit: Count. */
  ParkingFailures: 'ParkingFailures',
  /** HTTP calls made to the Stack Exchange API. Unit: Count. */
  ApiCalls: 'ApiCalls',
  /** Tokens carried by one successful call (ideal: 20). Unit: Count. */
  TokensPerCall: 'TokensPerCall',
  /** Failed API calls; also emitted per `error_name` dimension. Unit: Count. */
  ApiErrors: 'ApiErrors',
  /** The API answered `throttle_violation`. Unit: Count. */
  ThrottleViolations: 'ThrottleViolations',
  /** Configuration errors: wrong key, wrong URL, missing settings. Any is an alarm. Unit: Count. */
  ConfigurationErrors: 'ConfigurationErrors',
  /** `backoff` seconds the API asked for. Unit: Seconds. */
  BackoffSeconds: 'BackoffSeconds',
  /** Last `quota_remaining` seen in an API response. Unit: Count. */
  QuotaRemaining: 'QuotaRemaining',
  /** Routine tokens held for a later run so that a call fills up to 20 (within maxHoldSeconds). Unit: Count. */
  TokensHeld: 'TokensHeld',
  /** Routine tokens deferred because the daily quota is below the reserve. Unit: Count. */
  TokensDeferred: 'TokensDeferred',
  /** Seconds from a message's SentTimestamp to its confirmation: the run's median (per `lane`). Unit: Seconds. */
  TimeToRevokeP50: 'TimeToRevokeP50',
  /** Seconds from a message's SentTimestamp to its confirmation: the run's 95th percentile (per `lane`). Unit: Seconds. */
  TimeToRevokeP95: 'TimeToRevokeP95',
  /** SQS calls that failed: receives, deletes and visibility changes refused or unanswered (per `lane`). Unit: Count. */
  SqsErrors: 'SqsErrors',
  /** Age of the oldest message the routine consumer saw in a run, whatever its receive count. Unit: Seconds. */
  OldestPendingAgeSeconds: 'OldestPendingAgeSeconds',
  /** Highest ApproximateReceiveCount the routine consumer saw in a run. Unit: Count. */
  MaxReceiveCountSeen: 'MaxReceiveCountSeen',
  /** Calls of the shared daily budget a run or batch spent (per `lane`). Unit: Count. */
  BudgetCallsSpent: 'BudgetCallsSpent',
  /** Calls of the shared daily budget left to the lane after its run or batch (per `lane`). Unit: Count. */
  BudgetCallsLeft: 'BudgetCallsLeft',
  /** A lane wanted calls and its share of the daily budget had none left (per `lane`). Unit: Count. */
  BudgetExhausted: 'BudgetExhausted',
  /** Runs or batches that sent nothing and received nothing because the lane was paused (per `lane`). Unit: Count. */
  PausedRuns: 'PausedRuns',
  /** Of those, runs or batches that took nothing because an operator paused the lane (`token-revoker pause`; per `lane`). Unit: Count. */
  OperatorPausedRuns: 'OperatorPausedRuns',
  /** Seconds the routine backlog needs at the calls the budget still allows (waiting tokens / calls per second). Unit: Seconds. */
  BacklogClearEstimateSeconds: 'BacklogClearEstimateSeconds',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];
