import { maxConcurrencyFor, PIPELINE_DEFAULTS } from '../../infra/settings';
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
  readonly memoryMb: number;
  readonly totalRequestsPerSecond: number;
  /** Today's design: every token through the per-batch SQS-triggered handler, the budget over 4 functions. */
  readonly perBatch: EventSourceLane;
  readonly urgent: EventSourceLane;
  readonly consumer: ConsumerLane;
}

/** Lambda's SQS event source starts with five pollers, each gathering its own batch. */
export const LAMBDA_SQS_POLLERS = 5;

/**
 * The deployed numbers of both designs: the product's from the construct's resolved defaults
 * (infra/token-revocation-props.ts, which splits the budget with infra/settings.ts), today's from the
 * pipeline defaults it was deployed with (the whole budget over maxConcurrencyFor(total, per function)).
 */
export function deployedSettings(): DeployedSettings {
  const d = PIPELINE_DEFAULTS;
  const props = resolveProps({});
  const eventSourceLane = (
    maxConcurrency: number,
    requestsPerSecondPerFunction: number,
  ): EventSourceLane => ({
    batchSize: props.batchSize,
    maxBatchingWindowInSeconds: props.maxBatchingWindow.toSeconds(),
    pollers: LAMBDA_SQS_POLLERS,
    maxConcurrency,
    requestsPerSecondPerFunction,
    callConcurrency: props.callConcurrency,
    functionTimeoutInSeconds: props.functionTimeout.toSeconds(),
    visibilityTimeoutInSeconds: props.visibilityTimeout.toSeconds(),
    maxReceiveCount: props.maxReceiveCount,
  });
  return {
    memoryMb: props.memorySizeInMb,
    totalRequestsPerSecond: props.totalRequestsPerSecond,
    perBatch: eventSourceLane(
      maxConcurrencyFor(d.totalRequestsPerSecond, d.requestsPerSecondPerFunction),
      d.requestsPerSecondPerFunction,
    ),
    urgent: eventSourceLane(props.maxConcurrency, props.requestsPerSecondPerFunction),
    consumer: {
      tickSeconds: props.tick.toSeconds(),
      maxHoldSeconds: props.maxHold.toSeconds(),
      functionTimeoutInSeconds: props.consumerTimeout.toSeconds(),
      requestsPerSecond: props.routineRequestsPerSecond,
      callConcurrency: props.routineCallConcurrency,
      visibilityTimeoutInSeconds: props.routineVisibilityTimeout.toSeconds(),
      maxReceiveCount: props.routineMaxReceiveCount,
    },
  };
}
