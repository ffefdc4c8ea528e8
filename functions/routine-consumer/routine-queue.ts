import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { chunk } from '../lib/tokens';

/** SQS accepts at most 10 entries per batch call and a visibility timeout of at most 12 hours. */
const BATCH_ENTRIES = 10;
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/** A received message: the receipt handle is valid for this run only (a stale one makes a delete a no-op). */
export interface Received {
  readonly message: Message;
  readonly receiptHandle: string;
}

/** What the consumer does with the routine queue; every call reports failures instead of throwing. */
export interface RoutineQueue {
  /** One long poll: up to 10 messages, invisible for `visibilitySeconds`. */
  receive(visibilitySeconds: number, waitSeconds: number): Promise<Received[]>;
  /** Deletes settled messages; resolves with how many SQS did not delete. */
  delete(received: readonly Received[]): Promise<number>;
  /** Sets each message's visibility (hold, defer, release); resolves with how many failed. */
  setVisibility(
    changes: readonly { readonly received: Received; readonly seconds: number }[],
  ): Promise<number>;
}

const clampSeconds = (seconds: number) => Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(seconds)));

/** Sends items in groups of 10; resolves with how many SQS did not take (a failed call fails its group). */
async function inBatches<T>(
  items: readonly T[],
  operation: string,
  send: (group: readonly T[]) => Promise<{ Failed?: readonly unknown[] }>,
  onError: (operation: string, error: unknown) => void,
): Promise<number> {
  let failed = 0;
  for (const group of chunk(items, BATCH_ENTRIES)) {
    try {
      failed += (await send(group)).Failed?.length ?? 0;
    } catch (error) {
      onError(operation, error);
      failed += group.length;
    }
  }
  return failed;
}

export function routineQueue(
  sqs: SQSClient,
  queueUrl: string,
  onError: (operation: string, error: unknown) => void,
): RoutineQueue {
  return {
    async receive(visibilitySeconds, waitSeconds) {
      try {
        const response = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: BATCH_ENTRIES,
            WaitTimeSeconds: waitSeconds,
            VisibilityTimeout: clampSeconds(visibilitySeconds),
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          }),
        );
        return (response.Messages ?? []).flatMap((message) =>
          message.ReceiptHandle === undefined ? [] : [{ message, receiptHandle: message.ReceiptHandle }],
        );
      } catch (error) {
        onError('ReceiveMessage', error);
        return [];
      }
    },
    delete: (received) =>
      inBatches(
        received,
        'DeleteMessageBatch',
        (group) =>
          sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: group.map((entry, index) => ({
                Id: String(index),
                ReceiptHandle: entry.receiptHandle,
              })),
            }),
          ),
        onError,
      ),
    setVisibility: (changes) =>
      inBatches(
        changes,
        'ChangeMessageVisibilityBatch',
        (group) =>
          sqs.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: queueUrl,
              Entries: group.map((change, index) => ({
                Id: String(index),
                ReceiptHandle: change.received.receiptHandle,
                VisibilityTimeout: clampSeconds(change.seconds),
              })),
            }),
          ),
        onError,
      ),
  };
}
