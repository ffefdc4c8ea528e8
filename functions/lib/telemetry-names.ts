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

/** Metric names the handler emits (Embedded Metric Format, through Powertools). */
export const MetricName = {
  /** Tokens the API confirmed invalidated (returned in `items`). Unit: Count. */
  TokensInvalidated: 'TokensInvalidated',
  /** Tokens the API did not return: unknown or already dead. Done, not retried. Unit: Count. */
  TokensAlreadyDead: 'TokensAlreadyDead',
  /** Tokens the de-authenticate endpoint confirmed. Unit: Count. */
  TokensDeauthenticated: 'TokensDeauthenticated',
  /** Tokens parked in the dead-letter queue as permanently bad input. Unit: Count. */
  TokensParked: 'TokensParked',
  /** Tokens left for SQS to redeliver (their message is in batchItemFailures). Unit: Count. */
  TokensRetried: 'TokensRetried',
  /** SQS messages parked in the dead-letter queue by the handler. Unit: Count. */
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
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];
