import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ParkingKey } from '../lib/parked-message';
import { entryOf, type SourceQueue } from './dlq/entry';
import type { LaneQueueUrls } from './dlq/lane';
import { receiveAll, release } from './dlq/queue-reader';

/** The most messages `status` reads from each of the dead-letter and parked queues. */
export const MAX_DEAD_LETTERS = 1000;

/** What one kind of message counts: in all, by reason, by lane. */
export interface KindCounts {
  readonly count: number;
  readonly reasons: Readonly<Record<string, number>>;
  readonly lanes: Readonly<Record<string, number>>;
}

/** Messages of the dead-letter and parked queues by kind (parked, dead_lettered, unreadable, unsealed). */
export interface DeadLetterCounts {
  readonly total: number;
  /** Messages per queue read (`dead_letter`, `parked`). */
  readonly byQueue: Readonly<Record<string, number>>;
  /** True when a read stopped at MAX_DEAD_LETTERS messages: there may be more. */
  readonly truncated: boolean;
  readonly byKind: Readonly<Record<string, KindCounts>>;
}

/**
 * Reads each queue as `dlq list` does (each message received once, made visible again at once) and
 * counts kinds, reasons and lanes, classified by queue and seal (dlq/entry.ts).
 */
export async function countDeadLetters(
  sqs: SQSClient,
  queues: readonly SourceQueue[],
  key: ParkingKey | undefined,
  laneUrls: LaneQueueUrls,
): Promise<DeadLetterCounts> {
  const byKind: Record<
    string,
    { count: number; reasons: Record<string, number>; lanes: Record<string, number> }
  > = {};
  const byQueue: Record<string, number> = {};
  let total = 0;
  let truncated = false;
  for (const queue of queues) {
    const messages = await receiveAll(sqs, queue.url, {
      maxMessages: MAX_DEAD_LETTERS,
      waitSeconds: 0,
      visibilityTimeout: 30,
    });
    await release(sqs, queue.url, messages);
    byQueue[queue.source] = messages.length;
    total += messages.length;
    truncated ||= messages.length >= MAX_DEAD_LETTERS;
    for (const message of messages) {
      const { classified, lane } = entryOf(message, queue, key, laneUrls);
      const entry = byKind[classified.kind] ?? { count: 0, reasons: {}, lanes: {} };
      byKind[classified.kind] = entry;
      entry.count += 1;
      entry.reasons[classified.reason] = (entry.reasons[classified.reason] ?? 0) + 1;
      entry.lanes[lane] = (entry.lanes[lane] ?? 0) + 1;
    }
  }
  return { total, byQueue, truncated, byKind };
}
