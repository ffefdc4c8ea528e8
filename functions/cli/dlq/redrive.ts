import {
  DeleteMessageBatchCommand,
  ListDeadLetterSourceQueuesCommand,
  type Message,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { groupForSendBatches } from '../../lib/send-batches';
import { CliError, ExitCode } from '../exit-codes';
import { type ClassifiedMessage, classifyMessage, type DlqMessageKind } from './classify';
import { type ReadOptions, receiveAll, release } from './queue-reader';

export interface RedriveOptions extends Pick<ReadOptions, 'waitSeconds'> {
  /** Also move parked and unreadable messages (parked ones as their original request). @default false */
  readonly includeParked?: boolean;
  /** Stop after this many messages. @default 10000 */
  readonly maxMessages?: number;
}

/** What happened to one DLQ message. */
export interface RedriveRow {
  readonly messageId: string;
  readonly kind: DlqMessageKind;
  readonly reason: string;
  /** `moved`; `left` (not asked to move, or cannot be replayed); `failed` (the send failed: still in the DLQ); `duplicated` (sent, but the DLQ copy could not be deleted). */
  readonly outcome: 'moved' | 'left' | 'failed' | 'duplicated';
  readonly detail?: string;
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

function attributesOf(message: Message): Record<string, MessageAttributeValue> | undefined {
  const entries = Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
    name,
    {
      DataType: value.DataType,
      ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { BinaryValue: value.BinaryValue }),
    },
  ]);
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

interface Candidate {
  readonly message: Message;
  readonly classified: ClassifiedMessage;
  readonly body: string;
  readonly copyAttributes: boolean;
}

/**
 * Moves DLQ messages back to the destination by receive, send, delete: a message is deleted from the
 * DLQ only after SQS accepted what was sent for it. Dead-lettered requests go back as they are.
 * With `includeParked`, parked messages go back as their original request (the wrapper's `body`, or
 * its tokens as a request) without the parked `reason` attribute, and unreadable ones as they are.
 * Messages left or not moved are made visible again before returning. Only SQS calls can stop the run.
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
    candidate: Omit<Candidate, 'body' | 'copyAttributes'>,
    outcome: RedriveRow['outcome'],
    detail?: string,
  ): RedriveRow => ({
    messageId: candidate.message.MessageId ?? '',
    kind: candidate.classified.kind,
    reason: candidate.classified.reason,
    outcome,
    ...(detail === undefined ? {} : { detail }),
  });
  const leave = (
    candidates: readonly Omit<Candidate, 'body' | 'copyAttributes'>[],
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
        const classified = classifyMessage(message);
        const wanted = classified.kind === 'dead_lettered' || options.includeParked === true;
        if (!wanted) leave([{ message, classified }], 'left');
        else if ('problem' in classified.replay)
          leave([{ message, classified }], 'left', `cannot be replayed: ${classified.replay.problem}`);
        else
          move.push({
            message,
            classified,
            body: classified.replay.body,
            copyAttributes: classified.replay.copyAttributes,
          });
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
                MessageAttributes: candidate.copyAttributes ? attributesOf(candidate.message) : undefined,
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
