import {
  DeleteMessageBatchCommand,
  ListDeadLetterSourceQueuesCommand,
  type Message,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { RevocationAction } from '../../lib/message';
import type { ParkingKey } from '../../lib/parked-message';
import { groupForSendBatches } from '../../lib/send-batches';
import { CliError, ExitCode } from '../exit-codes';
import { type ClassifiedMessage, classifyMessage, type DlqMessageKind } from './classify';
import { type ReadOptions, receiveAll, release } from './queue-reader';

export interface RedriveOptions extends Pick<ReadOptions, 'waitSeconds'> {
  /** Also move parked messages (as the request each stands for). @default false */
  readonly includeParked?: boolean;
  /** Send nothing and delete nothing: say what would be sent. @default false */
  readonly dryRun?: boolean;
  /** The key parked messages are sealed with; without it none is taken for parked. @default none */
  readonly parkingKey?: ParkingKey;
  /** Stop after this many messages. @default 10000 */
  readonly maxMessages?: number;
}

/** What happened to one DLQ message. */
export interface RedriveRow {
  readonly messageId: string;
  readonly kind: DlqMessageKind;
  readonly reason: string;
  /** `moved`; `would_move` (--dry-run); `left` (not asked to move, or refused: see detail); `failed` (the send failed: still in the DLQ); `duplicated` (sent, but the DLQ copy could not be deleted). */
  readonly outcome: 'moved' | 'would_move' | 'left' | 'failed' | 'duplicated';
  readonly detail?: string;
  /** The request sent (or that would be): its action, token count and fingerprints, as `dlq list` shows them. */
  readonly action?: RevocationAction;
  readonly tokenCount: number;
  readonly fingerprints: readonly string[];
}

export interface RedriveResult {
  readonly destination: string;
  readonly rows: readonly RedriveRow[];
  /** The SQS error that stopped the run, if any. */
  readonly stoppedBy?: unknown;
}

/** Error names of servers that do not offer ListDeadLetterSourceQueues. */
const UNSUPPORTED = new Set([
  'InvalidAction',
  'UnsupportedOperation',
  'UnknownOperationException',
  'AWS.SimpleQueueService.UnsupportedOperation',
]);

/** The source queue of a DLQ: --to, else the only queue whose redrive policy points at it. */
async function destinationOf(sqs: SQSClient, dlqUrl: string, to: string | undefined): Promise<string> {
  if (to !== undefined) return to;
  let sources: string[] = [];
  let unsupported = false;
  try {
    sources = (await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }))).queueUrls ?? [];
  } catch (error) {
    if (!UNSUPPORTED.has((error as Error).name)) throw error;
    unsupported = true;
  }
  if (sources.length === 1 && sources[0] !== undefined) return sources[0];
  const why = unsupported
    ? 'this SQS server does not answer ListDeadLetterSourceQueues'
    : sources.length === 0
      ? 'SQS lists no queue whose redrive policy points at this DLQ (local servers such as fauxqs list none)'
      : `${sources.length} queues send their failures to this DLQ (${sources.join(', ')}), and a message does not say which it came from`;
  throw new CliError(
    `cannot tell where to send the messages of ${dlqUrl}: ${why}. Pass --to QUEUE_URL (or set REVOCATION_QUEUE_URL) with the queue to send them to`,
    ExitCode.Usage,
  );
}

interface Candidate {
  readonly message: Message;
  readonly classified: ClassifiedMessage;
  readonly body: string;
}

/**
 * Moves DLQ messages back to the destination by receive, send, delete: a message is deleted from the
 * DLQ only after SQS accepted what was sent for it. What is sent for a message is exactly the request
 * `dlq list` shows for it (classify.ts: dead-lettered requests as they are; with `includeParked`, the
 * request a sealed parked message stands for), without message attributes; a message whose request
 * would only be parked again is left, with the reason. Messages left or not moved are made visible
 * again before returning. Only SQS calls can stop the run.
 */
async function redriveByCopy(
  sqs: SQSClient,
  dlqUrl: string,
  destination: string,
  options: RedriveOptions,
): Promise<{ rows: RedriveRow[]; stoppedBy?: unknown }> {
  const rows: RedriveRow[] = [];
  const keep: Message[] = [];
  let stoppedBy: unknown;
  const max = options.maxMessages ?? 10_000;
  const row = (
    candidate: Omit<Candidate, 'body'>,
    outcome: RedriveRow['outcome'],
    detail?: string,
  ): RedriveRow => ({
    messageId: candidate.message.MessageId ?? '',
    kind: candidate.classified.kind,
    reason: candidate.classified.reason,
    outcome,
    ...(detail === undefined ? {} : { detail }),
    ...(candidate.classified.action === undefined ? {} : { action: candidate.classified.action }),
    tokenCount: candidate.classified.tokenCount,
    fingerprints: candidate.classified.fingerprints,
  });
  const leave = (
    candidates: readonly Omit<Candidate, 'body'>[],
    outcome: RedriveRow['outcome'],
    detail?: string,
  ) => {
    for (const candidate of candidates) {
      keep.push(candidate.message);
      rows.push(row(candidate, outcome, detail));
    }
  };

  try {
    while (rows.length < max && stoppedBy === undefined) {
      let batch: Message[];
      try {
        batch = await receiveAll(sqs, dlqUrl, {
          maxMessages: Math.min(10, max - rows.length),
          waitSeconds: options.waitSeconds,
          visibilityTimeout: 120,
        });
      } catch (error) {
        stoppedBy = error;
        break;
      }
      if (batch.length === 0) break;
      const move: Candidate[] = [];
      for (const message of batch) {
        const classified = classifyMessage(message, options.parkingKey);
        const wanted = classified.kind !== 'parked' || options.includeParked === true;
        if (!wanted) leave([{ message, classified }], 'left');
        else if ('problem' in classified.replay)
          leave([{ message, classified }], 'left', `refused: ${classified.replay.problem}`);
        else if (options.dryRun === true) leave([{ message, classified }], 'would_move');
        else move.push({ message, classified, body: classified.replay.body });
      }
      for (const group of groupForSendBatches(move.map((candidate) => candidate.body))) {
        const candidates = group.map((i) => move[i] as Candidate);
        if (stoppedBy !== undefined) {
          leave(candidates, 'failed', 'not sent: an earlier call failed');
          continue;
        }
        let sent: Candidate[];
        try {
          const response = await sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: destination,
              Entries: candidates.map((candidate, index) => ({
                Id: String(index),
                MessageBody: candidate.body,
              })),
            }),
          );
          sent = (response.Successful ?? []).map((s) => candidates[Number(s.Id)] as Candidate);
          for (const failure of response.Failed ?? []) {
            leave(
              [candidates[Number(failure.Id)] as Candidate],
              'failed',
              `SQS refused the copy: ${failure.Code ?? 'error'}`,
            );
          }
        } catch (error) {
          stoppedBy = error;
          leave(candidates, 'failed', `send failed: ${(error as Error).name}`);
          continue;
        }
        const deleted = new Set<string>();
        try {
          const response = await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: dlqUrl,
              Entries: sent.map((candidate, index) => ({
                Id: String(index),
                ReceiptHandle: candidate.message.ReceiptHandle,
              })),
            }),
          );
          for (const success of response.Successful ?? []) deleted.add(success.Id ?? '');
        } catch (error) {
          stoppedBy = error;
        }
        sent.forEach((candidate, index) => {
          if (deleted.has(String(index))) rows.push(row(candidate, 'moved'));
          else leave([candidate], 'duplicated', 'sent to the destination, but still in the DLQ');
        });
      }
    }
  } finally {
    await release(sqs, dlqUrl, keep);
  }
  return { rows, ...(stoppedBy === undefined ? {} : { stoppedBy }) };
}

/**
 * Redrives a DLQ by copying (never SQS's StartMessageMoveTask, which would send parked wrappers back
 * as they are, to be parked again as invalid). Only dead-lettered requests move unless
 * `includeParked`.
 */
export async function redrive(
  sqs: SQSClient,
  dlqUrl: string,
  to: string | undefined,
  options: RedriveOptions,
): Promise<RedriveResult> {
  const destination = await destinationOf(sqs, dlqUrl, to);
  return { destination, ...(await redriveByCopy(sqs, dlqUrl, destination, options)) };
}
