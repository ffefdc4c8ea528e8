import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { HandlerConfig } from '../lib/config';
import { BatchFailedError, ErrorCategory, TokenRevokerError } from '../lib/errors';
import { createInstance, type InstanceDependencies } from '../lib/instance';
import { quietLogger } from '../lib/quiet-logger';
import { publishCounts, summarize } from '../lib/telemetry';
import { Lane } from '../lib/telemetry-names';
import { processBatch, respond } from './process-batch';

/** The SQS-triggered handler of the urgent lane (partial batch responses). */
export type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * Builds the urgent lane's handler from a configuration object: the Lambda entry passes
 * `readConfig()`; tests, the local pipeline and the benchmarks pass their own, and may inject clients.
 */
export function createHandler(config: HandlerConfig, dependencies: InstanceDependencies = {}): Handler {
  const instance = createInstance(config, dependencies);
  const { logger, metrics } = instance;
  return async (event, context) => {
    const client = await instance.stackExchange(Lane.Urgent).catch((error: unknown) => {
      throw new BatchFailedError(
        event.Records.map((record) => record.messageId),
        [error instanceof TokenRevokerError ? error.category : ErrorCategory.Configuration],
      );
    });
    const { fates, counts } = await processBatch(event, context, {
      client,
      park: instance.park,
      logger,
      callConcurrency: config.callConcurrency,
      safetyMarginMs: config.safetyMarginMs,
      parkingKey: await instance.parkingKey(),
    });
    try {
      logger.info('Batch processed', {
        records: fates.length,
        failedMessages: fates.filter((fate) => fate.fate === 'retry').length,
        ...summarize(counts),
      });
      publishCounts(metrics, counts, Lane.Urgent);
    } catch (error) {
      // The batch is done: telemetry that cannot be written must not send it back to be revoked again.
      quietLogger(logger).error('Batch telemetry not written', { error: (error as Error).name });
    }
    return respond(fates);
  };
}
