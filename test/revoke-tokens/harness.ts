import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  StackExchangeClient,
  type StackExchangeClientOptions,
} from '../../functions/lib/stackexchange/client';
import { type Parker, sqsParker } from '../../functions/revoke-tokens/park';
import { processBatch } from '../../functions/revoke-tokens/process-batch';
import { createTelemetry, Tally } from '../../functions/revoke-tokens/telemetry';
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
  readonly tally: Tally;
}

/** Runs processBatch with a real client against `apiUrl` and a real parker on `deadLetterQueueUrl`. */
export async function runBatch(
  event: SQSEvent,
  options: {
    readonly apiUrl: string;
    readonly sqs: LocalSqs;
    readonly deadLetterQueueUrl: string | undefined;
    readonly client?: StackExchangeClientOptions;
    readonly existingClient?: StackExchangeClient;
    readonly context?: Context;
    readonly callConcurrency?: number;
    readonly park?: Parker;
  },
): Promise<BatchRun> {
  const tally = new Tally();
  const client =
    options.existingClient ??
    new StackExchangeClient({
      apiUrl: options.apiUrl,
      requestsPerSecond: 25,
      retryBaseDelayMs: 10,
      onEvent: tally.onClientEvent,
      ...options.client,
    });
  const park =
    options.park ?? sqsParker({ queueUrl: options.deadLetterQueueUrl, sqs: () => options.sqs.client });
  try {
    const response = await processBatch(event, options.context ?? lambdaContext(), {
      client,
      park,
      logger: telemetry.logger,
      metrics: telemetry.metrics,
      tally,
      callConcurrency: options.callConcurrency ?? 4,
      safetyMarginMs: 500,
    });
    return { response, error: undefined, tally };
  } catch (error) {
    return { response: undefined, error, tally };
  }
}
