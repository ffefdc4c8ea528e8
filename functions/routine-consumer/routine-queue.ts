import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
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
  /** Epoch ms the receive was sent: SQS allows a visibility of at most 12 hours from it. */
  readonly receivedAt: number;
}

/**
 * Kept free below SQS's 12-hour limit when a visibility is counted from our clock: the receive
 * reached SQS a little after `receivedAt`, and clocks differ.
 */
const VISIBILITY_LIMIT_MARGIN_SECONDS = 60;

/** The longest visibility a change may ask for now: what is left of 12 hours from the receive. */
export function visibilityLeftSeconds(received: Received, now = Date.now()): number {
  return Math.max(
    0,
    Math.floor(MAX_VISIBILITY_SECONDS - VISIBILITY_LIMIT_MARGIN_SECONDS - (now - received.receivedAt) / 1000),
  );
}

/** What the consumer does with the routine queue; every call reports failures instead of throwing. */
export interface RoutineQueue {
  /** One long poll: up to 10 messages, invisible for `visibilitySeconds`. */
  receive(visibilitySeconds: number, waitSeconds: number): Promise<Received[]>;
  /** Deletes settled messages; resolves with how many SQS did not delete. */
  delete(received: readonly Received[]): Promise<number>;
  /**
   * Sets each message's visibility (hold, defer, release), never past 12 hours from its receive (SQS
   * refuses that); resolves with how many failed.
   */
  setVisibility(
    changes: readonly { readonly received: Received; readonly seconds: number }[],
  ): Promise<number>;
  /** ApproximateNumberOfMessages: what waits visible in the queue; undefined when SQS did not say. */
  visibleMessages(): Promise<number | undefined>;
}

const clampSeconds = (seconds: number) => Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(seconds)));

/** Batch calls of one operation in flight at once: SQS takes 5-20 ms a call, so they go in parallel. */
const PARALLEL_BATCHES = 8;

/**
 * Sends items in groups of 10, up to 8 groups at once; resolves with how many SQS did not take (a
 * failed call fails its group). Entries SQS refused are reported once per call with their codes.
 */
async function inBatches<T>(
  items: readonly T[],
  operation: string,
  send: (group: readonly T[]) => Promise<{ Failed?: readonly { Code?: string }[] }>,
  onError: (operation: string, error: unknown) => void,
): Promise<number> {
  const groups = chunk(items, BATCH_ENTRIES);
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const group = groups[next++] as readonly T[];
      try {
        const refused = (await send(group)).Failed ?? [];
        failed += refused.length;
        if (refused.length > 0) {
          onError(
            operation,
            new SqsEntriesRefusedError(
              operation,
              refused.map((entry) => entry.Code ?? 'unknown'),
            ),
          );
        }
      } catch (error) {
        onError(operation, error);
        failed += group.length;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_BATCHES, groups.length) }, worker));
  return failed;
}

/** SQS answered a batch call but refused some entries (their codes only: entries hold receipt handles). */
export class SqsEntriesRefusedError extends Error {
  override name = 'SqsEntriesRefusedError';
  readonly operation: string;
  readonly codes: readonly string[];

  constructor(operation: string, codes: readonly string[]) {
    super(
      `${operation}: SQS refused ${codes.length} entr${codes.length === 1 ? 'y' : 'ies'} (${[...new Set(codes)].join(', ')})`,
    );
    this.operation = operation;
    this.codes = codes;
  }
}

export function routineQueue(
  sqs: SQSClient,
  queueUrl: string,
  onError: (operation: string, error: unknown) => void,
): RoutineQueue {
  return {
    async receive(visibilitySeconds, waitSeconds) {
      const receivedAt = Date.now();
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
          message.ReceiptHandle === undefined
            ? []
            : [{ message, receiptHandle: message.ReceiptHandle, receivedAt }],
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
                VisibilityTimeout: Math.min(
                  clampSeconds(change.seconds),
                  visibilityLeftSeconds(change.received),
                ),
              })),
            }),
          ),
        onError,
      ),
    async visibleMessages() {
      try {
        const answer = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        );
        const count = Number(answer.Attributes?.ApproximateNumberOfMessages);
        return Number.isFinite(count) ? count : undefined;
      } catch (error) {
        onError('GetQueueAttributes', error);
        return undefined;
      }
    },
  };
}
