import { DeleteMessageBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { ParkingKey } from '../../lib/parked-message';
import { chunk } from '../../lib/tokens';
import type { DlqMessageKind, DlqSource } from './classify';
import { type DlqEntry, entryOf, type SourceQueue } from './entry';
import { type DlqFilter, selects } from './filter';
import type { LaneQueueUrls, MessageLane } from './lane';
import { type ReadOptions, receiveAll, release } from './queue-reader';
import type { Stop } from './redrive';

export interface DeleteOptions extends Pick<ReadOptions, 'waitSeconds'> {
  /** Delete (true) or only show what would be deleted (false). */
  readonly yes: boolean;
  /** Which messages to delete; the others are made visible again at once. @default all */
  readonly filter?: DlqFilter;
  /** The key parked messages are sealed with; without it none is taken for parked. @default none */
  readonly parkingKey?: ParkingKey;
  /** The lanes' queue URLs, to name the lane of dead-lettered messages. @default none */
  readonly laneUrls?: LaneQueueUrls;
  /** Read at most this many messages per queue. @default 10000 */
  readonly maxMessages?: number;
}

/** One selected message: what it is, and what became of it. */
export interface DeleteRow {
  readonly messageId: string;
  readonly queue: DlqSource;
  readonly kind: DlqMessageKind;
  readonly lane: MessageLane;
  readonly reason: string;
  /** `deleted`; `would_delete` (no --yes); `failed` (SQS did not delete it: it is still there). */
  readonly outcome: 'deleted' | 'would_delete' | 'failed';
  readonly detail?: string;
  readonly tokenCount: number;
  readonly fingerprints: readonly string[];
}

export interface DeleteResult {
  readonly rows: readonly DeleteRow[];
  /** Messages read but not selected by the filter (left as they were). */
  readonly notSelected: number;
  readonly stoppedBy?: Stop;
}

/** How long messages stay hidden while the plan is made and carried out. */
const VISIBILITY_SECONDS = 300;

const rowOf = (entry: DlqEntry, outcome: DeleteRow['outcome'], detail?: string): DeleteRow => ({
  messageId: entry.message.MessageId ?? '',
  queue: entry.queue.source,
  kind: entry.classified.kind,
  lane: entry.lane,
  reason: entry.classified.reason,
  outcome,
  ...(detail === undefined ? {} : { detail }),
  tokenCount: entry.classified.tokenCount,
  fingerprints: entry.classified.fingerprints,
});

/** Deletes the selected messages of one queue (with `yes`), by the receipt handles of the read that showed them. */
async function deleteFromQueue(
  sqs: SQSClient,
  queue: SourceQueue,
  options: DeleteOptions,
): Promise<{ rows: DeleteRow[]; notSelected: number; stoppedBy?: Stop }> {
  let messages: Message[];
  try {
    messages = await receiveAll(sqs, queue.url, {
      maxMessages: options.maxMessages ?? 10_000,
      waitSeconds: options.waitSeconds,
      visibilityTimeout: VISIBILITY_SECONDS,
    });
  } catch (error) {
    return { rows: [], notSelected: 0, stoppedBy: { error, queueUrl: queue.url } };
  }
  const entries = messages.map((message) =>
    entryOf(message, queue, options.parkingKey, options.laneUrls ?? {}),
  );
  const selected = entries.filter((entry) => options.filter === undefined || selects(options.filter, entry));
  const keep: Message[] = entries.filter((entry) => !selected.includes(entry)).map((entry) => entry.message);
  const rows: DeleteRow[] = [];
  let stoppedBy: Stop | undefined;
  try {
    if (!options.yes) {
      keep.push(...selected.map((entry) => entry.message));
      return {
        rows: selected.map((entry) => rowOf(entry, 'would_delete')),
        notSelected: entries.length - selected.length,
      };
    }
    for (const group of chunk(selected, 10)) {
      if (stoppedBy !== undefined) {
        for (const entry of group) rows.push(rowOf(entry, 'failed', 'not deleted: an earlier call failed'));
        keep.push(...group.map((entry) => entry.message));
        continue;
      }
      const failed = new Map<string, string>();
      try {
        const response = await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queue.url,
            Entries: group.map((entry, index) => ({
              Id: String(index),
              ReceiptHandle: entry.message.ReceiptHandle,
            })),
          }),
        );
        for (const failure of response.Failed ?? [])
          failed.set(failure.Id ?? '', `SQS refused: ${failure.Code ?? 'error'}`);
      } catch (error) {
        stoppedBy = { error, queueUrl: queue.url };
        for (const index of group.keys())
          failed.set(String(index), `delete failed: ${(error as Error).name}`);
      }
      group.forEach((entry, index) => {
        const why = failed.get(String(index));
        if (why !== undefined) keep.push(entry.message);
        rows.push(why === undefined ? rowOf(entry, 'deleted') : rowOf(entry, 'failed', why));
      });
    }
    return {
      rows,
      notSelected: entries.length - selected.length,
      ...(stoppedBy === undefined ? {} : { stoppedBy }),
    };
  } finally {
    await release(sqs, queue.url, keep);
  }
}

/**
 * Reads the queues (the dead-letter queue, then the parked queue), selects messages by the filter, and
 * deletes them only when `yes`; otherwise reports what would be deleted and deletes nothing. What is
 * deleted is exactly what was shown: the same read's receipt handles. Messages not deleted are made
 * visible again at once. Stops at the first SQS call that fails.
 */
export async function deleteMessages(
  sqs: SQSClient,
  queues: readonly SourceQueue[],
  options: DeleteOptions,
): Promise<DeleteResult> {
  const rows: DeleteRow[] = [];
  let notSelected = 0;
  for (const queue of queues) {
    const result = await deleteFromQueue(sqs, queue, options);
    rows.push(...result.rows);
    notSelected += result.notSelected;
    if (result.stoppedBy !== undefined) return { rows, notSelected, stoppedBy: result.stoppedBy };
  }
  return { rows, notSelected };
}
