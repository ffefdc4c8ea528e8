import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ParkReason, RevocationAction } from './message';
import { type ParkingKey, sealParked } from './parked-message';
import { groupForSendBatches } from './send-batches';
import type { Lane } from './telemetry-names';

/** One parked message: the input the function will never retry, with the reason it was rejected. */
export interface ParkEntry {
  /** Stable reason code (also the `reason` message attribute). */
  readonly reason: ParkReason;
  /** What is wrong and where, without any token. */
  readonly detail: string;
  /** The SQS message the input came from. */
  readonly sourceMessageId: string;
  /** The rejected tokens (values as received), when the message itself could be read. */
  readonly tokens?: readonly unknown[];
  /** Per rejected token: its position and problem. */
  readonly problems?: readonly {
    readonly index: number;
    readonly problem: string;
    readonly detail: string;
  }[];
  /** The original body, when it could not be read at all. */
  readonly body?: string;
  readonly action?: RevocationAction;
  readonly receiveCount?: number;
  /** The lane the input came from, sealed into the parked message (`dlq redrive` sends it back there). */
  readonly lane?: Lane;
}

/** What became of one entry: parked, or not (its message is then retried), and why not. */
export interface ParkResult {
  readonly entry: ParkEntry;
  readonly parked: boolean;
  /** Why it was not parked: `parked_queue_url_missing`, `refused` or the SDK error's name. */
  readonly failure?: string;
}

/** The reason of a parking failure that is a configuration error, not a passing one. */
export const NO_PARKED_QUEUE = 'parked_queue_url_missing';

/**
 * Sends entries to the parked queue (bad input, a ticket: not the dead-letter queue, whose arrivals
 * page); resolves with one result per entry, in order.
 */
export type Parker = (entries: readonly ParkEntry[]) => Promise<ParkResult[]>;

/**
 * A Parker that never rejects and always answers one result per entry: if `park` throws (or answers
 * the wrong number of results), each entry is tried again on its own, so an entry that breaks it
 * fails alone (`parked: false`, its message retried) and every other entry still reaches the queue.
 */
export function containedParker(park: Parker): Parker {
  const one = async (entry: ParkEntry): Promise<ParkResult> => {
    try {
      const [result] = await park([entry]);
      return result ?? { entry, parked: false, failure: 'no_result' };
    } catch (error) {
      return { entry, parked: false, failure: error instanceof Error ? error.name : 'Error' };
    }
  };
  return async (entries) => {
    if (entries.length === 0) return [];
    try {
      const results = await park(entries);
      if (results.length === entries.length) return results;
    } catch {
      // Tried again one by one below.
    }
    const results: ParkResult[] = [];
    for (const entry of entries) results.push(await one(entry));
    return results;
  };
}

/**
 * A Parker that records `lane` in every entry it parks (sealed with the rest: `dlq redrive` sends the
 * input back to that lane). Each function parks through one: `laneParker(instance.park, Lane.Urgent)`.
 */
export function laneParker(park: Parker, lane: Lane): Parker {
  return (entries) => park(entries.map((entry) => ({ ...entry, lane })));
}

/** Bytes per SendMessageBatch call, kept under the SQS limit of 256 KiB for the whole request. */
const BATCH_BYTES = 200 * 1024;

/**
 * The JSON body of a parked message, sealed with the parking key when there is one (parked-message.ts).
 * Never throws: parked values may be nested to any depth.
 */
export function parkedBody(entry: ParkEntry, now = new Date(), key?: ParkingKey): string {
  return sealParked({ ...entry, parkedAt: now.toISOString() }, key);
}

/**
 * A Parker that writes to an SQS queue with SendMessageBatch. An entry SQS reports as failed, or any
 * entry of a call that throws, comes back `false`: its message is then reported for retry instead.
 */
export function sqsParker(options: {
  readonly queueUrl: string | undefined;
  /** Creates the client on first use: the happy path never loads the SDK. */
  readonly sqs: () => SQSClient | Promise<SQSClient>;
  readonly onError?: (error: unknown, entries: number) => void;
  /** The parking key, read on first use; undefined parks unsealed (never taken for parked by the CLI). @default none */
  readonly key?: () => Promise<ParkingKey | undefined>;
}): Parker {
  return async (entries) => {
    if (entries.length === 0) return [];
    if (options.queueUrl === undefined) {
      options.onError?.(new Error('PARKED_QUEUE_URL is not set: cannot park'), entries.length);
      return entries.map((entry) => ({ entry, parked: false, failure: NO_PARKED_QUEUE }));
    }
    /** Per entry: undefined once SQS accepted it, else why not. */
    const failures: (string | undefined)[] = entries.map(() => 'not_sent');
    const key = await options.key?.().catch(() => undefined);
    const now = new Date();
    // Each entry on its own: one that cannot be written fails alone (parkedBody never throws today).
    const bodies = entries.map((entry, index) => {
      try {
        return parkedBody(entry, now, key);
      } catch (error) {
        failures[index] = error instanceof Error ? error.name : 'Error';
        options.onError?.(error, 1);
        return undefined;
      }
    });
    const writable = bodies.flatMap((body, index) => (body === undefined ? [] : [index]));
    for (const group of groupForSendBatches(
      bodies.map((body) => body ?? ''),
      writable,
      BATCH_BYTES,
    )) {
      try {
        const { SendMessageBatchCommand } = await import('@aws-sdk/client-sqs');
        const sqs = await options.sqs();
        const response = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: group.map((index) => ({
              Id: String(index),
              MessageBody: bodies[index],
              MessageAttributes: {
                reason: { DataType: 'String', StringValue: entries[index]?.reason },
                sourceMessageId: { DataType: 'String', StringValue: entries[index]?.sourceMessageId },
              },
            })),
          }),
        );
        for (const success of response.Successful ?? []) failures[Number(success.Id)] = undefined;
        for (const failed of response.Failed ?? []) failures[Number(failed.Id)] = 'refused';
        if ((response.Failed ?? []).length > 0) {
          options.onError?.(
            new Error(`SQS refused ${response.Failed?.length} parked message(s)`),
            group.length,
          );
        }
      } catch (error) {
        for (const index of group) failures[index] = error instanceof Error ? error.name : 'Error';
        options.onError?.(error, group.length);
      }
    }
    return entries.map((entry, index): ParkResult => {
      const failure = failures[index];
      return failure === undefined ? { entry, parked: true } : { entry, parked: false, failure };
    });
  };
}
