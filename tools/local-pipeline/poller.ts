import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface PollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly handler: Handler;
  /** Records per invocation (the event source's BatchSize). */
  readonly batchSize: number;
  /** Gathering time once the first record of a batch arrived (MaximumBatchingWindowInSeconds). */
  readonly batchingWindowMs: number;
  /** Invocations at once (the event source's MaximumConcurrency). */
  readonly concurrency: number;
  /** The function timeout: the handler's context reports the time left against it. */
  readonly functionTimeoutMs: number;
}

export interface PollerStats {
  invocations: number;
  records: number;
  deleted: number;
  reportedFailures: number;
  handlerErrors: number;
  busy: number;
}

/**
 * A local stand-in for Lambda's SQS event source mapping: long-polls, gathers up to the batch size
 * within the batching window, invokes the handler with an SQS event and a context whose deadline is
 * the function timeout, deletes the records that succeeded, and leaves reported failures (or the
 * whole batch when the handler throws) to reappear after the visibility timeout, where the queue's
 * redrive policy moves exhausted ones to the dead-letter queue.
 */
export class Poller {
  readonly stats: PollerStats = {
    invocations: 0,
    records: 0,
    deleted: 0,
    reportedFailures: 0,
    handlerErrors: 0,
    busy: 0,
  };
  readonly #options: PollerOptions;
  #running = false;
  #workers: Promise<void>[] = [];

  constructor(options: PollerOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#workers = Array.from({ length: this.#options.concurrency }, () => this.#work());
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#workers);
  }

  async #receive(max: number, waitSeconds: number): Promise<Message[]> {
    const response = await this.#options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#options.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return response.Messages ?? [];
  }

  async #gather(): Promise<Message[]> {
    const batch: Message[] = [];
    let windowEnds = Number.POSITIVE_INFINITY;
    while (this.#running && batch.length < this.#options.batchSize) {
      const left = windowEnds - Date.now();
      if (left <= 0) break;
      const messages = await this.#receive(
        this.#options.batchSize - batch.length,
        batch.length === 0 ? 1 : Math.min(1, Math.floor(left / 1000)),
      );
      if (messages.length > 0 && batch.length === 0) windowEnds = Date.now() + this.#options.batchingWindowMs;
      batch.push(...messages);
      if (messages.length === 0 && batch.length > 0 && this.#options.batchingWindowMs < 1000) break;
    }
    return batch;
  }

  async #work(): Promise<void> {
    while (this.#running) {
      const messages = await this.#gather().catch(() => [] as Message[]);
      if (messages.length === 0) continue;
      this.stats.busy += 1;
      try {
        await this.#invoke(messages);
      } finally {
        this.stats.busy -= 1;
      }
    }
  }

  async #invoke(messages: Message[]): Promise<void> {
    const records = messages.map((message) => toRecord(message, this.#options.queueArn));
    const deadline = Date.now() + this.#options.functionTimeoutMs;
    this.stats.invocations += 1;
    this.stats.records += records.length;
    let failed: Set<string>;
    try {
      const response = await this.#options.handler({ Records: records }, context(deadline));
      failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      this.stats.reportedFailures += failed.size;
    } catch {
      // Like Lambda: a thrown error (or a timeout) fails the whole batch; SQS delivers it again.
      this.stats.handlerErrors += 1;
      return;
    }
    const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
    for (let i = 0; i < done.length; i += 10) {
      const group = done.slice(i, i + 10);
      await this.#options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#options.queueUrl,
          Entries: group.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      this.stats.deleted += group.length;
    }
  }
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

function context(deadline: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'token-revoker-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:token-revoker-local',
    memoryLimitInMB: '256',
    awsRequestId: `local-${Date.now()}`,
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
