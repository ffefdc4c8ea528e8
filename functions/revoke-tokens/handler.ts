import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { BatchFailedError, ErrorCategory, TokenRevokerError } from '../lib/errors';
import type { StackExchangeClient } from '../lib/stackexchange/client';
import { clientFromConfig } from './client-from-config';
import { readConfig } from './config';
import { sqsParker } from './park';
import { processBatch } from './process-batch';
import { createTelemetry, Tally } from './telemetry';

// Cold start: configuration read and validated once; a bad setting fails the init with its name.
const config = readConfig();
const { logger, metrics } = createTelemetry(config);

/** Counts of the running invocation (Lambda runs one invocation at a time per instance). */
let tally = new Tally();

/** The client lives across invocations so that backoff, throttle and quota state carry over. */
let client: Promise<StackExchangeClient> | undefined;
function getClient(): Promise<StackExchangeClient> {
  client ??= clientFromConfig(config, (event) => tally.onClientEvent(event));
  client.catch(() => {
    client = undefined; // try again on the next invocation
  });
  return client;
}

/** Loaded and created on first use: only parking needs SQS, so the happy path never pays for it. */
let sqs: SQSClient | undefined;
const park = sqsParker({
  queueUrl: config.deadLetterQueueUrl,
  sqs: async () => {
    const { SQSClient } = await import('@aws-sdk/client-sqs');
    sqs ??= new SQSClient(config.sqsEndpoint === undefined ? {} : { endpoint: config.sqsEndpoint });
    return sqs;
  },
  onError: (error, entries) => {
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    logger.error('Parking failed; the messages will be retried', { error: { name, message }, entries });
    if (config.deadLetterQueueUrl === undefined) tally.configurationError('dead_letter_queue_url_missing');
  },
});

async function handleBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  tally = new Tally();
  let stackExchange: StackExchangeClient;
  try {
    stackExchange = await getClient();
  } catch (error) {
    const category = error instanceof TokenRevokerError ? error.category : ErrorCategory.Configuration;
    logger.error('Cannot start the Stack Exchange client', {
      error: { name: (error as Error).name, message: (error as Error).message },
    });
    tally.configurationError('app_key_unavailable');
    tally.publish(metrics);
    throw new BatchFailedError(
      event.Records.map((record) => record.messageId),
      [category],
    );
  }
  return processBatch(event, context, {
    client: stackExchange,
    park,
    logger,
    metrics,
    tally,
    callConcurrency: config.callConcurrency,
    safetyMarginMs: config.safetyMarginMs,
  });
}

/** SQS-triggered entry point; reports partial failures (ReportBatchItemFailures). */
export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  handleBatch(event, context);
