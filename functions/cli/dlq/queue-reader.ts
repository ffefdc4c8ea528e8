import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { chunk } from '../../lib/tokens';

export interface ReadOptions {
  /** Stop after this many distinct messages. @default 1000 */
  readonly maxMessages?: number;
  /** Long-poll wait of each receive; the read ends at the first empty receive. @default 1 */
  readonly waitSeconds?: number;
  /** How long received messages stay hidden while the command works on them. @default 60 */
  readonly visibilityTimeout?: number;
}

/**
 * Receives the queue's messages, 10 at a time, hiding each for `visibilityTimeout` so that the same
 * message is not received twice, until a receive comes back empty or `maxMessages` is reached.
 * The caller must release (visibility 0) or delete every message it gets.
 */
export async function receiveAll(
  sqs: SQSClient,
  queueUrl: string,
  options: ReadOptions = {},
): Promise<Message[]> {
  const max = options.maxMessages ?? 1000;
  const seen = new Map<string, Message>();
  while (seen.size < max) {
    const response = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - seen.size),
        WaitTimeSeconds: options.waitSeconds ?? 1,
        VisibilityTimeout: options.visibilityTimeout ?? 60,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp', 'DeadLetterQueueSourceArn'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = response.Messages ?? [];
    if (messages.length === 0) break;
    for (const message of messages) if (message.MessageId !== undefined) seen.set(message.MessageId, message);
  }
  return [...seen.values()];
}

/** Makes messages visible again at once (visibility timeout 0). Returns how many SQS did not release. */
export async function release(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly Message[],
): Promise<number> {
  let failed = 0;
  for (const group of chunk(messages, 10)) {
    try {
      const response = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: group.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
      failed += response.Failed?.length ?? 0;
    } catch {
      failed += group.length;
    }
  }
  return failed;
}
