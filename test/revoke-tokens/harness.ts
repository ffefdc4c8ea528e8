import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type Parker, sqsParker } from '../../functions/lib/park';
import type { StepLogger } from '../../functions/lib/read-messages';
import {
  StackExchangeClient,
  type StackExchangeClientOptions,
} from '../../functions/lib/stackexchange/client';
import { type Counts, createTelemetry } from '../../functions/lib/telemetry';
import { processBatch, respond } from '../../functions/revoke-tokens/process-batch';
import type { LocalSqs } from '../../tools/local-sqs';
import { lambdaContext } from '../support/lambda';

const telemetry = createTelemetry({
  serviceName: 'token-revoker-test',
  metricsNamespace: 'TokenRevokerTest',
});

export interface ParkedMessage {
  readonly reason: string;
  readonly detail: string;
  readonly sourceMessageId: string;
  readonly tokens?: unknown[];
  readonly body?: string;
  readonly problems?: { index: number; problem: string }[];
  readonly attributeReason: string | undefined;
}

/** Reads every message of a queue (they stay invisible for a minute; the queue is per test). */
export async function drainQueue(sqs: LocalSqs, queueUrl: string): Promise<ParkedMessage[]> {
  const messages: ParkedMessage[] = [];
  for (;;) {
    const received = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    if (!received.Messages?.length) return messages;
    for (const message of received.Messages) {
      messages.push({
        ...(JSON.parse(message.Body ?? '{}') as Omit<ParkedMessage, 'attributeReason'>),
        attributeReason: message.MessageAttributes?.reason?.StringValue,
      });
    }
  }
}

export interface BatchRun {
  readonly response: SQSBatchResponse | undefined;
  readonly error: unknown;
  /** The counts processBatch returned (undefined if it threw). */
  readonly tally: Counts;
}

/** Runs processBatch with a real client against `apiUrl` and a real parker on `parkedQueueUrl`. */
export async function runBatch(
  event: SQSEvent,
  options: {
    readonly apiUrl: string;
    readonly sqs: LocalSqs;
    readonly parkedQueueUrl: string | undefined;
    readonly client?: StackExchangeClientOptions;
    readonly existingClient?: StackExchangeClient;
    readonly context?: Context;
    readonly callConcurrency?: number;
    readonly park?: Parker;
    /** @default the Powertools logger of the tests */
    readonly logger?: StepLogger;
  },
): Promise<BatchRun> {
  const client =
    options.existingClient ??
    new StackExchangeClient({
      apiUrl: options.apiUrl,
      requestsPerSecond: 25,
      retryBaseDelayMs: 10,
      ...options.client,
    });
  const park = options.park ?? sqsParker({ queueUrl: options.parkedQueueUrl, sqs: () => options.sqs.client });
  const { fates, counts } = await processBatch(event, options.context ?? lambdaContext(), {
    client,
    park,
    logger: options.logger ?? telemetry.logger,
    callConcurrency: options.callConcurrency ?? 4,
    safetyMarginMs: 500,
  });
  try {
    return { response: respond(fates), error: undefined, tally: counts };
  } catch (error) {
    return { response: undefined, error, tally: counts };
  }
}
