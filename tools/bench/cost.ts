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
  /** EventBridge Scheduler, per scheduled invocation (past the free 14 million a month). */
  schedulerPerInvocationUsd: 1 / 1_000_000,
  /** Stack Exchange API requests per day per app key. */
  dailyQuota: 10_000,
  /** KMS customer-managed key, per month (each of its first two automatic rotations adds as much). */
  kmsKeyPerMonthUsd: 1,
  /** KMS API requests (SQS asks for a data key once per reuse period per queue and principal). */
  kmsPerRequestUsd: 0.03 / 10_000,
  /** CloudWatch standard-resolution alarm, per metric it watches, per month. */
  alarmMetricPerMonthUsd: 0.1,
  /** CloudWatch dashboard, per month (an account's first three are free). */
  dashboardPerMonthUsd: 3,
  /** CloudWatch custom metric, per month, billed by the hour it receives data (first 10,000 metrics). */
  customMetricPerMonthUsd: 0.3,
  /** CloudWatch Logs ingestion (standard class), per GB. */
  logsIngestionPerGbUsd: 0.5,
  /** CloudWatch Logs storage, per GB-month (billed compressed: the uncompressed size is an upper bound). */
  logsStoragePerGbMonthUsd: 0.03,
  /** CloudWatch Logs Insights, per GB scanned (each `token-revoker audit` query). */
  logsInsightsPerGbScannedUsd: 0.005,
  /** DynamoDB on-demand, per write request unit. */
  dynamoDbPerWriteUnitUsd: 0.625 / 1_000_000,
  /** DynamoDB on-demand, per read request unit. */
  dynamoDbPerReadUnitUsd: 0.125 / 1_000_000,
  /** Secrets Manager, per secret per month. */
  secretPerMonthUsd: 0.4,
} as const;

/** Seconds in an average month (365.25 / 12 days). */
export const SECONDS_PER_MONTH = (365.25 / 12) * 86_400;

/** What one design did for one workload, as measured. */
export interface MeasuredRun {
  readonly tokens: number;
  readonly apiCalls: number;
  /** Lambda invocations (event source invocations and scheduled runs). */
  readonly invocations: number;
  /** Sum of invocation wall times (Lambda bills wall time), ms. */
  readonly invocationMs: number;
  /** SQS requests of every kind: sends, receives (empty ones too), deletes, visibility changes, parking. */
  readonly sqsRequests: number;
  /** Invocations made by EventBridge Scheduler. @default 0 */
  readonly schedulerInvocations?: number;
}

export interface Cost {
  readonly sqsRequests: number;
  readonly lambdaGbSeconds: number;
  readonly lambdaRequests: number;
  readonly schedulerInvocations: number;
  readonly usd: number;
}

export interface CostPerMillionTokens extends Cost {
  /** Days of the daily API quota spent. */
  readonly quotaDays: number;
}

/** Dollars for some usage at list prices. */
export function priceOf(usage: Omit<Cost, 'usd'>): Cost {
  return {
    ...usage,
    usd:
      usage.sqsRequests * PRICES.sqsPerRequestUsd +
      usage.lambdaGbSeconds * PRICES.lambdaArmPerGbSecondUsd +
      usage.lambdaRequests * PRICES.lambdaPerRequestUsd +
      usage.schedulerInvocations * PRICES.schedulerPerInvocationUsd,
  };
}

/** GB-seconds of `ms` of wall time at `memoryMb`. */
export function gbSeconds(ms: number, memoryMb: number): number {
  return (memoryMb / 1024) * (ms / 1000);
}

/** Dollars, Lambda GB-seconds and quota per million tokens, scaled from a measured run. */
export function costPerMillionTokens(run: MeasuredRun, memoryMb: number): CostPerMillionTokens {
  const scale = run.tokens === 0 ? 0 : 1_000_000 / run.tokens;
  return {
    ...priceOf({
      sqsRequests: run.sqsRequests * scale,
      lambdaGbSeconds: gbSeconds(run.invocationMs, memoryMb) * scale,
      lambdaRequests: run.invocations * scale,
      schedulerInvocations: (run.schedulerInvocations ?? 0) * scale,
    }),
    quotaDays: (run.apiCalls * scale) / PRICES.dailyQuota,
  };
}

/** A month of scheduled runs, one per tick, each as long as the one measured. */
export interface ScheduledRuns {
  readonly tickSeconds: number;
  /** Wall time of one run (billed duration), ms. */
  readonly runMs: number;
  /** SQS requests one run makes. */
  readonly sqsRequestsPerRun: number;
  readonly memoryMb: number;
}

export interface MonthlyCost extends Cost {
  readonly runs: number;
}

/** What the consumer's runs cost in a month: Lambda time and requests, SQS requests, scheduler invocations. */
export function monthlyRunsCost(idle: ScheduledRuns): MonthlyCost {
  const runs = SECONDS_PER_MONTH / idle.tickSeconds;
  return {
    runs,
    ...priceOf({
      sqsRequests: runs * idle.sqsRequestsPerRun,
      lambdaGbSeconds: runs * gbSeconds(idle.runMs, idle.memoryMb),
      lambdaRequests: runs,
      schedulerInvocations: runs,
    }),
  };
}
