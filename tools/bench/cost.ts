/**
 * Cost model of revoking tokens, computed from measured figures. Prices are AWS list prices
 * (us-east-1, no free tier) and the Stack Exchange daily quota; change them here if yours differ.
 */
export const PRICES = {
  /** SQS standard queue, per request (each 64 KiB chunk of a payload counts as one request). */
  sqsPerRequestUsd: 0.4 / 1_000_000,
  /** Lambda arm64, per GB-second. */
  lambdaArmPerGbSecondUsd: 0.0000133334,
  /** Lambda, per invocation. */
  lambdaPerRequestUsd: 0.2 / 1_000_000,
  /** Stack Exchange API requests per day per app key. */
  dailyQuota: 10_000,
} as const;

/** What one implementation did for one workload, as measured. */
export interface MeasuredRun {
  readonly tokens: number;
  readonly messages: number;
  readonly apiCalls: number;
  readonly invocations: number;
  /** Sum of invocation wall times (Lambda bills wall time), ms. */
  readonly invocationMs: number;
  /** Messages delivered, including redeliveries. */
  readonly deliveries: number;
  /** Messages sent to the dead-letter queue by the handler. */
  readonly parked: number;
}

export interface CostPerMillionTokens {
  readonly sqsRequests: number;
  readonly lambdaGbSeconds: number;
  readonly lambdaRequests: number;
  readonly usd: number;
  /** Days of the daily API quota spent. */
  readonly quotaDays: number;
}

/**
 * Dollars and quota per million tokens. SQS requests: producers send in batches of 10, the event
 * source receives and deletes in batches (one receive and one delete per invocation), parking sends.
 */
export function costPerMillionTokens(run: MeasuredRun, memoryMb = 256): CostPerMillionTokens {
  const scale = run.tokens === 0 ? 0 : 1_000_000 / run.tokens;
  const sqsRequests = (Math.ceil(run.messages / 10) + 2 * run.invocations + run.parked) * scale;
  const lambdaGbSeconds = (memoryMb / 1024) * (run.invocationMs / 1000) * scale;
  const lambdaRequests = run.invocations * scale;
  const usd =
    sqsRequests * PRICES.sqsPerRequestUsd +
    lambdaGbSeconds * PRICES.lambdaArmPerGbSecondUsd +
    lambdaRequests * PRICES.lambdaPerRequestUsd;
  return {
    sqsRequests,
    lambdaGbSeconds,
    lambdaRequests,
    usd,
    quotaDays: (run.apiCalls * scale) / PRICES.dailyQuota,
  };
}
