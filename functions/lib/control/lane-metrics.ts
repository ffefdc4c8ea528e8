import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { LANE_DIMENSION, type Lane, MetricName } from '../telemetry-names';

/** What a run or batch says about its lane's health: budget, pauses, SQS errors, stuck messages. */
export interface LaneGauges {
  readonly sqsErrors: number;
  readonly budgetCallsSpent: number;
  readonly budgetCallsLeft: number | undefined;
  /** 1 when the lane wanted calls and its budget had none left. */
  readonly budgetExhausted: number;
  /** 1 when the run or batch took no work because the lane was paused (by the API or an operator). */
  readonly pausedRuns: number;
  /** 1 when that pause was an operator's (`token-revoker pause`). @default 0 */
  readonly operatorPausedRuns?: number;
  readonly oldestPendingAgeSeconds?: number;
  readonly maxReceiveCountSeen?: number;
  readonly backlogClearEstimateSeconds?: number;
}

/**
 * Publishes the lane's gauges, each with the `lane` dimension (next to `service`). Only values that
 * are known and not zero: a custom metric is billed for each hour it gets data, and every alarm on
 * these metrics treats missing data as not breaching, so an idle run publishes none.
 */
export function publishLaneGauges(metrics: Metrics, lane: Lane, gauges: LaneGauges): void {
  const values: [MetricName, Parameters<Metrics['addMetric']>[1], number | undefined][] = [
    [MetricName.SqsErrors, MetricUnit.Count, gauges.sqsErrors],
    [MetricName.BudgetCallsSpent, MetricUnit.Count, gauges.budgetCallsSpent],
    // What is left changes only when calls are spent: an idle run does not publish it.
    [
      MetricName.BudgetCallsLeft,
      MetricUnit.Count,
      gauges.budgetCallsSpent > 0 || gauges.budgetExhausted > 0 ? gauges.budgetCallsLeft : undefined,
    ],
    [MetricName.BudgetExhausted, MetricUnit.Count, gauges.budgetExhausted],
    [MetricName.PausedRuns, MetricUnit.Count, gauges.pausedRuns],
    [MetricName.OperatorPausedRuns, MetricUnit.Count, gauges.operatorPausedRuns],
    [MetricName.OldestPendingAgeSeconds, MetricUnit.Seconds, gauges.oldestPendingAgeSeconds],
    [MetricName.MaxReceiveCountSeen, MetricUnit.Count, gauges.maxReceiveCountSeen],
    [MetricName.BacklogClearEstimateSeconds, MetricUnit.Seconds, gauges.backlogClearEstimateSeconds],
  ];
  for (const [name, unit, value] of values) {
    if (value === undefined || !Number.isFinite(value) || value === 0) continue;
    // A single metric is published as soon as it is added (and then forgets its dimensions): one per value.
    const single = metrics.singleMetric();
    single.addDimension(LANE_DIMENSION, lane);
    single.addMetric(name, unit, value);
  }
}

/**
 * Seconds a backlog of `tokens` needs at the calls the budget allows: at the lane's request rate
 * while today's calls last, then at the daily budget per day.
 */
export function backlogClearEstimateSeconds(options: {
  readonly tokens: number;
  readonly requestsPerSecond: number;
  readonly callsLeftToday: number;
  readonly secondsLeftToday: number;
  readonly callsPerDay: number;
}): number {
  const calls = Math.ceil(options.tokens / 20);
  const today = Math.min(options.callsLeftToday, options.requestsPerSecond * options.secondsLeftToday);
  if (calls <= today) return calls / options.requestsPerSecond;
  if (options.callsPerDay <= 0) return Number.POSITIVE_INFINITY;
  const rest = calls - today;
  return options.secondsLeftToday + (rest / options.callsPerDay) * 24 * 60 * 60;
}
