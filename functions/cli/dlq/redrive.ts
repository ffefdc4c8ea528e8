import {
  DeleteMessageBatchCommand,
  type Message,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { RevocationAction } from '../../lib/message';
import type { ParkingKey } from '../../lib/parked-message';
import { groupForSendBatches } from '../../lib/send-batches';
import type { DlqMessageKind, DlqSource } from './classify';
import { type DlqEntry, entryOf, type SourceQueue } from './entry';
import { type DlqFilter, selects } from './filter';
import type { LaneQueueUrls, MessageLane } from './lane';
import { type Clock, Pacer } from './pacer';
import { type ReadOptions, receiveAll, release } from './queue-reader';

/** Where a lane's messages go back to: its queue URL, and the flag that gives it (for messages). */
export interface LaneDestinations {
  readonly urls: LaneQueueUrls;
  /** `--urgent-queue-url` / `--queue-url`, named when a lane's queue is missing. */
  readonly flags: Readonly<Record<'routine' | 'urgent', string>>;
}

export interface RedriveOptions extends Pick<ReadOptions, 'waitSeconds'> {
  /** The lanes' queues: each message goes back to its own lane's. */
  readonly lanes: LaneDestinations;
  /** Send every selected message here instead of to its lane's queue. @default each message's lane */
  readonly to?: string;
  /** Also move parked messages (as the request each stands for). @default false */
  readonly includeParked?: boolean;
  /** Send nothing and delete nothing: say what would be sent. @default false */
  readonly dryRun?: boolean;
  /** The key parked messages are sealed with; without it none is taken for parked. @default none */
  readonly parkingKey?: ParkingKey;
  /** Stop after this many selected messages per queue. @default 10000 */
  readonly maxMessages?: number;
  /** Which messages to work on; the others are not touched (made visible again at once). @default all */
  readonly filter?: DlqFilter;
  /** Send at most this many messages a second. @default no limit */
  readonly ratePerSecond?: number;
  /** Time for the pacing (tests). @default the system clock */
  readonly clock?: Clock;
}

/** What happened to one message. */
export interface RedriveRow {
  readonly messageId: string;
  /** The queue it was read from. */
  readonly queue: DlqSource;
  readonly kind: DlqMessageKind;
  readonly lane: MessageLane;
  readonly reason: string;
  /** `moved`; `would_move` (--dry-run); `left` (not asked to move, or refused: see detail); `failed` (the send failed: still where it was); `duplicated` (sent, but the copy where it was could not be deleted). */
  readonly outcome: 'moved' | 'would_move' | 'left' | 'failed' | 'duplicated';
  readonly detail?: string;
  /** The queue it was (or would be) sent to. */
  readonly destination?: string;
  /** The request sent (or that would be): its action, token count and fingerprints, as `dlq list` shows them. */
  readonly action?: RevocationAction;
  readonly tokenCount: number;
  readonly fingerprints: readonly string[];
}

/** The SQS error that stopped a run, and the queue of the call. */
export interface Stop {
  readonly error: unknown;
  readonly queueUrl: string;
}

export interface RedriveResult {
  readonly rows: readonly RedriveRow[];
  /** The SQS error that stopped the run, if any. */
  readonly stoppedBy?: Stop;
}

/** Where an entry goes: `--to`, else its lane's queue; or why it cannot go anywhere. */
function destinationOf(entry: DlqEntry, options: RedriveOptions): { url: string } | { problem: string } {
  if (options.to !== undefined) return { url: options.to };
  if (entry.lane === 'unknown') {
    return { problem: 'refused: its lane is unknown (pass --to QUEUE_URL to choose its queue)' };
  }
  const url = options.lanes.urls[entry.lane];
  return url === undefined
    ? { problem: `refused: no queue for the ${entry.lane} lane (pass ${options.lanes.flags[entry.lane]})` }
    : { url };
}

interface Move {
  readonly entry: DlqEntry;
  readonly body: string;
  readonly destination: string;
}

/**
 * Moves one queue's selected messages back by receive, send, delete: a message is deleted only after
 * SQS accepted what was sent for it. What is sent for a message is exactly the request `dlq list`
 * shows for it (classify.ts), without message attributes; a message whose request would only be parked
 * again, or whose lane has no queue, is left with the reason. Messages left, not selected or not moved
 * are made visible again before returning. Only SQS calls can stop the run.
 */
async function redriveQueue(
  sqs: SQSClient,
  queue: SourceQueue,
  options: RedriveOptions,
  pacer: Pacer,
): Promise<{ rows: RedriveRow[]; stoppedBy?: Stop }> {
  const rows: RedriveRow[] = [];
  /** Messages to make visible again, by id (the latest receipt handle). */
  const keep = new Map<string, Message>();
  let stoppedBy: Stop | undefined;
  const max = options.maxMessages ?? 10_000;
  const row = (entry: DlqEntry, outcome: RedriveRow['outcome'], detail?: string, destination?: string) => {
    const { classified } = entry;
    return {
      messageId: entry.message.MessageId ?? '',
      queue: queue.source,
      kind: classified.kind,
      lane: entry.lane,
      reason: classified.reason,
      outcome,
      ...(detail === undefined ? {} : { detail }),
      ...(destination === undefined ? {} : { destination }),
      ...(classified.action === undefined ? {} : { action: classified.action }),
      tokenCount: classified.tokenCount,
      fingerprints: classified.fingerprints,
    };
  };
  const leave = (
    entries: readonly DlqEntry[],
    outcome: RedriveRow['outcome'],
    detail?: string,
    to?: string,
  ) => {
    for (const entry of entries) {
      keep.set(entry.message.MessageId ?? '', entry.message);
      rows.push(row(entry, outcome, detail, to));
    }
  };
  // A receive hides its messages until they are sent (paced) or the run ends.
  const visibilityTimeout = Math.min(
    43_200,
    120 + Math.ceil(pacer.batchSize / (options.ratePerSecond ?? pacer.batchSize)),
  );

  try {
    while (rows.length < max && stoppedBy === undefined) {
      let batch: Message[];
      try {
        batch = await receiveAll(sqs, queue.url, {
          maxMessages: Math.min(pacer.batchSize, max - rows.length),
          waitSeconds: options.waitSeconds,
          visibilityTimeout,
        });
      } catch (error) {
        stoppedBy = { error, queueUrl: queue.url };
        break;
      }
      // A message seen before (made visible by a slow run) ends the pass over this queue.
      const fresh = batch.filter((message) => !keep.has(message.MessageId ?? ''));
      for (const message of batch)
        if (keep.has(message.MessageId ?? '')) keep.set(message.MessageId ?? '', message);
      if (fresh.length === 0) break;
      const moves: Move[] = [];
      for (const message of fresh) {
        const entry = entryOf(message, queue, options.parkingKey, options.lanes.urls);
        if (options.filter !== undefined && !selects(options.filter, entry)) {
          keep.set(message.MessageId ?? '', message);
          continue;
        }
        const { kind, replay } = entry.classified;
        const wanted = options.includeParked === true || (kind !== 'parked' && kind !== 'unsealed');
        const destination = destinationOf(entry, options);
        if (!wanted) leave([entry], 'left');
        else if ('problem' in replay) leave([entry], 'left', `refused: ${replay.problem}`);
        else if ('problem' in destination) leave([entry], 'left', destination.problem);
        else if (options.dryRun === true) leave([entry], 'would_move', undefined, destination.url);
        else moves.push({ entry, body: replay.body, destination: destination.url });
      }
      for (const destination of new Set(moves.map((move) => move.destination))) {
        const toHere = moves.filter((move) => move.destination === destination);
        const bodies = toHere.map((move) => move.body);
        for (const group of groupForSendBatches(bodies, undefined, undefined, pacer.batchSize)) {
          const batchMoves = group.map((i) => toHere[i] as Move);
          if (stoppedBy !== undefined) {
            leave(
              batchMoves.map((move) => move.entry),
              'failed',
              'not sent: an earlier call failed',
              destination,
            );
            continue;
          }
          await pacer.take(batchMoves.length);
          stoppedBy = await sendAndDelete(sqs, queue, destination, batchMoves, rows, row, leave);
        }
      }
    }
  } finally {
    await release(sqs, queue.url, [...keep.values()]);
  }
  return { rows, ...(stoppedBy === undefined ? {} : { stoppedBy }) };
}

/** Sends one batch to `destination`, then deletes what SQS accepted from `queue`. Returns the error that stops the run, if any. */
async function sendAndDelete(
  sqs: SQSClient,
  queue: SourceQueue,
  destination: string,
  moves: readonly Move[],
  rows: RedriveRow[],
  row: (entry: DlqEntry, outcome: RedriveRow['outcome'], detail?: string, to?: string) => RedriveRow,
  leave: (entries: readonly DlqEntry[], outcome: RedriveRow['outcome'], detail?: string, to?: string) => void,
): Promise<Stop | undefined> {
  let sent: Move[];
  try {
    const response = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: destination,
        Entries: moves.map((move, index) => ({ Id: String(index), MessageBody: move.body })),
      }),
    );
    sent = (response.Successful ?? []).map((s) => moves[Number(s.Id)] as Move);
    for (const failure of response.Failed ?? []) {
      const move = moves[Number(failure.Id)] as Move;
      leave([move.entry], 'failed', `SQS refused the copy: ${failure.Code ?? 'error'}`, destination);
    }
  } catch (error) {
    leave(
      moves.map((move) => move.entry),
      'failed',
      `send failed: ${(error as Error).name}`,
      destination,
    );
    return { error, queueUrl: destination };
  }
  const deleted = new Set<string>();
  let stoppedBy: Stop | undefined;
  try {
    const response = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: sent.map((move, index) => ({
          Id: String(index),
          ReceiptHandle: move.entry.message.ReceiptHandle,
        })),
      }),
    );
    for (const success of response.Successful ?? []) deleted.add(success.Id ?? '');
  } catch (error) {
    stoppedBy = { error, queueUrl: queue.url };
  }
  sent.forEach((move, index) => {
    if (deleted.has(String(index))) rows.push(row(move.entry, 'moved', undefined, destination));
    else leave([move.entry], 'duplicated', 'sent to the destination, but still where it was', destination);
  });
  return stoppedBy;
}

/**
 * Redrives the given queues (the dead-letter queue, then the parked queue) by copying, never with
 * SQS's StartMessageMoveTask, which would send parked wrappers back as they are, to be parked again as
 * invalid. Only dead-lettered requests move unless `includeParked`; `ratePerSecond` paces the sends
 * across both queues. Stops at the first SQS call that fails.
 */
export async function redrive(
  sqs: SQSClient,
  queues: readonly SourceQueue[],
  options: RedriveOptions,
): Promise<RedriveResult> {
  const pacer = new Pacer(options.ratePerSecond, options.clock);
  const rows: RedriveRow[] = [];
  for (const queue of queues) {
    const result = await redriveQueue(sqs, queue, options, pacer);
    rows.push(...result.rows);
    if (result.stoppedBy !== undefined) return { rows, stoppedBy: result.stoppedBy };
  }
  return { rows };
}
