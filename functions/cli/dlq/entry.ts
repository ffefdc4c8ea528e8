import type { Message } from '@aws-sdk/client-sqs';
import type { ParkingKey } from '../../lib/parked-message';
import { type ClassifiedMessage, classifyMessage, type DlqSource } from './classify';
import { type LaneQueueUrls, laneOf, type MessageLane } from './lane';

/** A queue the dlq commands read: the dead-letter queue or the parked queue, with the setting it came from. */
export interface SourceQueue {
  readonly source: DlqSource;
  readonly url: string;
  /** `--dlq-url / DEAD_LETTER_QUEUE_URL` or `--parked-url / PARKED_QUEUE_URL`, for messages. */
  readonly label: string;
}

/** A message as the dlq commands see it: where it was read, what it is, and its lane. */
export interface DlqEntry {
  readonly message: Message;
  readonly queue: SourceQueue;
  readonly classified: ClassifiedMessage;
  readonly lane: MessageLane;
}

/** Classifies a message by its queue and seal, and names its lane. Never throws. */
export function entryOf(
  message: Message,
  queue: SourceQueue,
  key: ParkingKey | undefined,
  urls: LaneQueueUrls,
): DlqEntry {
  const classified = classifyMessage(message, key, queue.source);
  return { message, queue, classified, lane: laneOf(message, classified, urls) };
}
