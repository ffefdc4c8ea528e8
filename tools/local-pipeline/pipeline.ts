import { join } from 'node:path';
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { maxConcurrencyFor, PIPELINE_DEFAULTS, visibilityTimeoutInSeconds } from '../../infra/settings';
import { LOCAL_CREDENTIALS } from '../local-sqs';
import { type Simulator, type SimulatorOptions, startSimulator } from '../simulator';
import { type Handler, Poller } from './poller';

export interface PipelineOptions {
  /** Endpoint of a running SQS-compatible server (http://127.0.0.1:PORT). */
  readonly sqsEndpoint: string;
  readonly sqs: SQSClient;
  /** Distinguishes the queues of several pipelines on one server. @default 'token-revocations' */
  readonly name?: string;
  readonly simulator?: SimulatorOptions;
  /**
   * The local function timeout. The CDK default (30 s) would make the visibility timeout 185 s;
   * locally a short timeout keeps retries quick. The visibility timeout is still derived from it by
   * the construct's own formula. @default 3
   */
  readonly functionTimeoutInSeconds?: number;
  /** @default PIPELINE_DEFAULTS.maxBatchingWindowInSeconds */
  readonly maxBatchingWindowInSeconds?: number;
  /** Loads the handler after the environment is set. @default a fresh require of the real handler */
  readonly loadHandler?: () => Handler;
  /** Wraps the handler (tests use it to crash mid-batch). */
  readonly wrapHandler?: (handler: Handler) => Handler;
}

export interface Pipeline {
  readonly simulator: Simulator;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly poller: Poller;
  readonly settings: {
    readonly batchSize: number;
    readonly maxBatchingWindowInSeconds: number;
    readonly functionTimeoutInSeconds: number;
    readonly visibilityTimeoutInSeconds: number;
    readonly maxReceiveCount: number;
    readonly concurrency: number;
    readonly requestsPerSecondPerFunction: number;
  };
  /** Messages still in the source queue (visible + in flight). */
  inFlight(): Promise<number>;
  /** Every message of the dead-letter queue, read without deleting it. */
  deadLetters(): Promise<Message[]>;
  stop(): Promise<void>;
}

const HANDLER = join(__dirname, '..', '..', 'functions', 'revoke-tokens', 'handler');

/** A fresh module instance of the real handler, as a Lambda cold start would load it. */
function requireFreshHandler(): Handler {
  const path = require.resolve(HANDLER);
  delete require.cache[path];
  return (require(path) as { handler: Handler }).handler;
}

/**
 * The whole pipeline on 127.0.0.1: the queue and its dead-letter queue created with the CDK
 * construct's numbers (infra/settings.ts), the Stack Exchange simulator, the real handler configured
 * through its environment, and a poller standing in for the SQS event source mapping.
 */
export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const name = options.name ?? 'token-revocations';
  const functionTimeoutInSeconds = options.functionTimeoutInSeconds ?? 3;
  const maxBatchingWindowInSeconds =
    options.maxBatchingWindowInSeconds ?? PIPELINE_DEFAULTS.maxBatchingWindowInSeconds;
  const concurrency = maxConcurrencyFor(
    PIPELINE_DEFAULTS.totalRequestsPerSecond,
    PIPELINE_DEFAULTS.requestsPerSecondPerFunction,
  );
  const settings = {
    batchSize: PIPELINE_DEFAULTS.batchSize,
    maxBatchingWindowInSeconds,
    functionTimeoutInSeconds,
    visibilityTimeoutInSeconds: visibilityTimeoutInSeconds(
      functionTimeoutInSeconds,
      maxBatchingWindowInSeconds,
    ),
    maxReceiveCount: PIPELINE_DEFAULTS.maxReceiveCount,
    concurrency,
    requestsPerSecondPerFunction: PIPELINE_DEFAULTS.requestsPerSecondPerFunction,
  };

  const { CreateQueueCommand } = await import('@aws-sdk/client-sqs');
  const create = async (queueName: string, attributes: Record<string, string>) => {
    const { QueueUrl } = await options.sqs.send(
      new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }),
    );
    const arn = await options.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return { url: QueueUrl ?? '', arn: arn.Attributes?.QueueArn ?? '' };
  };
  const dlq = await create(`${name}-dlq`, {
    MessageRetentionPeriod: String(PIPELINE_DEFAULTS.deadLetterRetentionPeriodInDays * 86_400),
  });
  const queue = await create(name, {
    VisibilityTimeout: String(settings.visibilityTimeoutInSeconds),
    MessageRetentionPeriod: String(PIPELINE_DEFAULTS.retentionPeriodInDays * 86_400),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlq.arn,
      maxReceiveCount: settings.maxReceiveCount,
    }),
  });

  const simulator = await startSimulator(options.simulator);
  Object.assign(process.env, {
    STACKEXCHANGE_API_URL: simulator.url,
    STACKEXCHANGE_REQUESTS_PER_SECOND: String(settings.requestsPerSecondPerFunction),
    DEAD_LETTER_QUEUE_URL: dlq.url,
    AWS_ENDPOINT_URL_SQS: options.sqsEndpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    DEADLINE_SAFETY_MARGIN_MS: '500',
    STACKEXCHANGE_TIMEOUT_MS: String(Math.min(10_000, functionTimeoutInSeconds * 500)),
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
  });
  const handler = (options.loadHandler ?? requireFreshHandler)();
  const poller = new Poller({
    sqs: options.sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    handler: options.wrapHandler ? options.wrapHandler(handler) : handler,
    batchSize: settings.batchSize,
    batchingWindowMs: maxBatchingWindowInSeconds * 1000,
    concurrency,
    functionTimeoutMs: functionTimeoutInSeconds * 1000,
  });
  poller.start();

  return {
    simulator,
    queueUrl: queue.url,
    deadLetterQueueUrl: dlq.url,
    poller,
    settings,
    async inFlight() {
      const { Attributes } = await options.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      return [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ]
        .map((key) => Number(Attributes?.[key as keyof typeof Attributes] ?? 0))
        .reduce((a, b) => a + b, 0);
    },
    async deadLetters() {
      const messages: Message[] = [];
      for (;;) {
        const received = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: dlq.url,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 30,
            MessageAttributeNames: ['All'],
          }),
        );
        if (!received.Messages?.length) break;
        messages.push(...received.Messages);
      }
      // Make them visible again: listing never consumes.
      for (let i = 0; i < messages.length; i += 10) {
        await options.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: dlq.url,
            Entries: messages
              .slice(i, i + 10)
              .map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
          }),
        );
      }
      return messages;
    },
    async stop() {
      await poller.stop();
      await simulator.close();
    },
  };
}
