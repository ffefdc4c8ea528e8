/**
 * The pipeline's numbers, in one place. The CDK construct uses them as its defaults and the local
 * sandbox creates its queues and poller from them, so the two can never drift apart.
 * Plain values only: this file must not import aws-cdk-lib (the sandbox and the handler tooling load it).
 */
export const PIPELINE_DEFAULTS = {
  /** Records per Lambda invocation: 100 single-token logouts fill five calls of 20. */
  batchSize: 100,
  /** How long the event source gathers records before invoking, so calls fill up to 20 tokens. */
  maxBatchingWindowInSeconds: 5,
  /** The function's timeout. */
  functionTimeoutInSeconds: 30,
  /** Receives before SQS moves a message to the dead-letter queue. */
  maxReceiveCount: 5,
  /** How long the source queue keeps an unprocessed message. */
  retentionPeriodInDays: 4,
  /** How long the dead-letter queue keeps a message: the SQS maximum. */
  deadLetterRetentionPeriodInDays: 14,
  /**
   * Stack Exchange requests per second for the whole deployment, all concurrent functions together.
   * The API bans an IP above 30 requests/s; this stays well under it.
   */
  totalRequestsPerSecond: 20,
  /** Stack Exchange requests per second one function instance may make. */
  requestsPerSecondPerFunction: 5,
  /** Concurrent API calls inside one invocation. */
  callConcurrency: 4,
} as const;

/**
 * The source queue's visibility timeout: at least six times the function timeout plus the batching
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
 * How many functions may run at once so that together they stay inside the total request budget.
 * Lambda's SQS event source needs at least 2.
 */
export function maxConcurrencyFor(
  totalRequestsPerSecond: number,
  requestsPerSecondPerFunction: number,
): number {
  return Math.max(2, Math.floor(totalRequestsPerSecond / requestsPerSecondPerFunction));
}
