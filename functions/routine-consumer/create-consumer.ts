import type { Context } from 'aws-lambda';
import { createInstance, type InstanceDependencies } from '../lib/instance';
import { publishCounts, startInvocation, summarize } from '../lib/telemetry';
import { Lane } from '../lib/telemetry-names';
import type { ConsumerConfig } from './config';
import { type DrainReport, drain } from './drain';
import { QuotaWatch } from './quota';
import { routineQueue } from './routine-queue';

/** The `scheduledTime` EventBridge Scheduler puts in the event (ISO-8601), as epoch ms, if there is one. */
function scheduledTimeOf(event: unknown): number | undefined {
  const value =
    typeof event === 'object' && event !== null
      ? (event as { scheduledTime?: unknown }).scheduledTime
      : undefined;
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(time) ? time : undefined;
}

/** One scheduled run of the routine lane; the event's `scheduledTime`, when given, times the next run. */
export type Consumer = (
  event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis'> & Partial<Context>,
) => Promise<DrainReport>;

/**
 * Builds the routine lane's scheduled consumer from a configuration object: the Lambda entry passes
 * `readConsumerConfig()`; tests, the local pipeline and the benchmarks pass their own. The instance
 * keeps its clients and the quota it has seen across runs.
 */
export function createConsumer(config: ConsumerConfig, dependencies: InstanceDependencies = {}): Consumer {
  const instance = createInstance(config, dependencies);
  const { logger, metrics } = instance;
  const quota = new QuotaWatch();
  return async (event, context) => {
    startInvocation(instance, context);
    // A client that cannot start fails the run before anything is received: the messages wait.
    const client = await instance.stackExchange(Lane.Routine);
    const sqs = await instance.sqs();
    const queue = routineQueue(sqs, config.routineQueueUrl, (operation, error) =>
      logger.error('SQS call failed', { operation, error: { name: (error as Error).name } }),
    );
    const report = await drain(
      context,
      config,
      { client, queue, park: instance.park, logger, quota, audit: instance.auditTrail },
      scheduledTimeOf(event),
    );
    const { counts, ...run } = report;
    logger.info('Run finished', { ...run, ...summarize(counts) });
    publishCounts(metrics, counts, Lane.Routine);
    return report;
  };
}
