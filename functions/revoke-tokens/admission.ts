import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { callsFor, fitCalls } from '../lib/calls';
import type { ParkingKey } from '../lib/parked-message';
import { fromRecord } from '../lib/queued-message';
import { type MessageRequest, readMessages, type StepLogger } from '../lib/read-messages';
import { chunk, MAX_TOKENS_PER_CALL } from '../lib/tokens';

/** SQS's visibility limit (12 hours from the receive), less a margin for the time since the receive. */
const MAX_HOLD_SECONDS = 12 * 60 * 60 - 5 * 60;

/** Which records an urgent invocation takes, and which it gives back. */
export interface RecordChoice {
  /** Records it sends (and bad input, which costs no call and is parked). */
  readonly take: readonly SQSRecord[];
  /** Records it cannot send before its deadline, or for which the budget had no calls. */
  readonly rest: readonly SQSRecord[];
  /** Calls the taken records need. */
  readonly calls: number;
}

const silent: StepLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Chooses the records an invocation can send: whole messages, in the batch's order, while their
 * calls fit in `calls` (the calls there is time for, or the budget granted). Records without a token
 * to send (bad input, empty requests) are always taken: they are parked or settled with no call.
 */
export function chooseRecords(
  records: readonly SQSRecord[],
  calls: number,
  /** The parking key, so that a sealed parked message sent back is counted as its request. @default none */
  parkingKey?: ParkingKey,
): RecordChoice {
  const read = readMessages(records.map(fromRecord), silent, { parkingKey });
  const requests = new Map<string, MessageRequest>(
    read.requests.map((request) => [request.message.messageId, request]),
  );
  const sending = records.flatMap((record) => {
    const request = requests.get(record.messageId);
    return request === undefined || request.tokens.length === 0 ? [] : [request];
  });
  const fit = fitCalls(sending, calls);
  // A message that needs more calls than an invocation ever has is still taken, alone, when nothing
  // else fits: given back every time, it would reach the dead-letter queue by waiting. (With the
  // deployed 30 s timeout a message of 1,000 tokens needs 10 s.)
  const first = sending[0];
  const fitting = new Set(
    (fit.length === 0 && first !== undefined && calls > 0 ? [first] : fit).map(
      (request) => request.message.messageId,
    ),
  );
  const sends = (record: SQSRecord) => (requests.get(record.messageId)?.tokens.length ?? 0) > 0;
  const take = records.filter((record) => !sends(record) || fitting.has(record.messageId));
  const rest = records.filter((record) => sends(record) && !fitting.has(record.messageId));
  return { take, rest, calls: callsFor(sending.filter((request) => fitting.has(request.message.messageId))) };
}

/** Calls there is time for before `deadline` at `requestsPerSecond` (one second kept for the last answer). */
export function callsBefore(deadline: number, requestsPerSecond: number, now = Date.now()): number {
  return Math.max(0, Math.floor((requestsPerSecond * (deadline - now - 1000)) / 1000));
}

/** Tokens in `calls` full calls. */
export const tokensIn = (calls: number) => calls * MAX_TOKENS_PER_CALL;

/** The queue URL of a record's queue, from its ARN: the SQS endpoint given, or the region's. */
export function queueUrlOf(record: SQSRecord, sqsEndpoint: string | undefined): string {
  const [, , , region, account, name] = record.eventSourceARN.split(':');
  const endpoint = sqsEndpoint ?? `https://sqs.${region}.amazonaws.com`;
  return `${endpoint}/${account}/${name}`;
}

/**
 * Sets records' visibility: 0 gives them back at once (another instance takes them), a later time
 * keeps them out of every batch until then (at most 12 hours from the receive, as SQS allows).
 * Resolves with how many changes failed (those records come back after the queue's visibility timeout).
 */
export async function setRecordsVisibility(
  sqs: SQSClient,
  records: readonly SQSRecord[],
  seconds: number,
  sqsEndpoint: string | undefined,
): Promise<number> {
  const visibility = Math.max(0, Math.min(MAX_HOLD_SECONDS, Math.ceil(seconds)));
  const byQueue = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const url = queueUrlOf(record, sqsEndpoint);
    byQueue.set(url, [...(byQueue.get(url) ?? []), record]);
  }
  const groups = [...byQueue].flatMap(([url, queued]) => chunk(queued, 10).map((group) => ({ url, group })));
  // Loaded here, not at init: the handler's cold start loads no SDK command it may not use.
  const { ChangeMessageVisibilityBatchCommand } = await import('@aws-sdk/client-sqs');
  const failures = await Promise.all(
    groups.map(async ({ url, group }) => {
      try {
        const answer = await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: url,
            Entries: group.map((record, index) => ({
              Id: String(index),
              ReceiptHandle: record.receiptHandle,
              VisibilityTimeout: visibility,
            })),
          }),
        );
        return answer.Failed?.length ?? 0;
      } catch {
        return group.length;
      }
    }),
  );
  return failures.reduce((sum, failed) => sum + failed, 0);
}
