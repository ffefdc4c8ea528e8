import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  type Message,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { groupForSendBatches } from '../../lib/send-batches';
import { CliError, ExitCode } from '../exit-codes';
import { classifyMessage, type DlqMessageKind } from './classify';
import { type ReadOptions, receiveAll, release } from './queue-reader';

export interface RedriveOptions extends Pick<ReadOptions, 'waitSeconds'> {
  /** Also move parked and unreadable messages (they will most likely be parked again). @default false */
  readonly includeParked?: boolean;
  /** Stop after this many messages. @default 10000 */
  readonly maxMessages?: number;
}

/** What happened to one DLQ message. */
export interface RedriveRow {
  readonly messageId: string;
  readonly kind: DlqMessageKind;
  readonly reason: string;
  /** `moved`; `left` (parked, not asked to move); `failed` (the send failed: still in the DLQ); `duplicated` (sent, but the DLQ copy could not be deleted). */
  readonly outcome: 'moved' | 'left' | 'failed' | 'duplicated';
  readonly detail?: string;
}

export type RedriveResult =
  | { readonly method: 'move_task'; readonly taskHandle: string | undefined; readonly destination: string }
  | {
      readonly method: 'copy';
      readonly destination: string;
      readonly rows: readonly RedriveRow[];
      readonly stoppedBy?: unknown;
    };

/** Error names of servers that do not offer StartMessageMoveTask (fauxqs answers InvalidAction). */
const UNSUPPORTED = new Set([
  'InvalidAction',
  'UnsupportedOperation',
  'UnknownOperationException',
  'AWS.SimpleQueueService.UnsupportedOperation',
]);

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const response = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = response.Attributes?.QueueArn;
  if (arn === undefined)
    throw new CliError(`SQS did not return the ARN of ${queueUrl}`, ExitCode.Unavailable);
  return arn;
}

/** The source queue of a DLQ: --to, else the only queue whose redrive policy points at it. */
async function destinationOf(sqs: SQSClient, dlqUrl: string, to: string | undefined): Promise<string> {
  if (to !== undefined) return to;
  let sources: string[] = [];
  try {
    sources = (await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }))).queueUrls ?? [];
  } catch (error) {
    if (!UNSUPPORTED.has((error as Error).name)) throw error;
  }
  if (sources.length === 1 && sources[0] !== undefined) return sources[0];
  throw new CliError(
    `cannot tell the source queue of ${dlqUrl} (${sources.length} found): pass --to URL (or REVOCATION_QUEUE_URL)`,
    ExitCode.Usage,
  );
}

function copyAttributes(message: Message): Record<string, MessageAttributeValue> | undefined {
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

/**
 * Moves DLQ messages back to the source queue by receive, send, delete: a message is deleted from the
 * DLQ only after SQS accepted its copy. Parked and unreadable messages stay unless `includeParked`.
 * Messages left or not moved are made visible again before returning.
 */
async function redriveByCopy(sqs: SQSClient, dlqUrl: string, destination: string, options: RedriveOptions) {
  const rows: RedriveRow[] = [];
  const keep: Message[] = [];
  let stoppedBy: unknown;
  const max = options.maxMessages ?? 10_000;
  try {
    while (rows.length < max && stoppedBy === undefined) {
      const batch = await receiveAll(sqs, dlqUrl, {
        maxMessages: Math.min(10, max - rows.length),
        waitSeconds: options.waitSeconds,
        visibilityTimeout: 120,
      });
      if (batch.length === 0) break;
      const move: Message[] = [];
      for (const message of batch) {
        const { kind, reason } = classifyMessage(message.Body ?? '');
        if (kind === 'dead_lettered' || options.includeParked === true) move.push(message);
        else {
          keep.push(message);
          rows.push({ messageId: message.MessageId ?? '', kind, reason, outcome: 'left' });
        }
      }
      const bodies = move.map((message) => message.Body ?? '');
      for (const group of groupForSendBatches(bodies)) {
        const messages = group.map((i) => move[i] as Message);
        const row = (message: Message, outcome: RedriveRow['outcome'], detail?: string): RedriveRow => {
          const { kind, reason } = classifyMessage(message.Body ?? '');
          return {
            messageId: message.MessageId ?? '',
            kind,
            reason,
            outcome,
            ...(detail === undefined ? {} : { detail }),
          };
        };
        if (stoppedBy !== undefined) {
          keep.push(...messages);
          rows.push(...messages.map((m) => row(m, 'failed', 'not sent: an earlier call failed')));
          continue;
        }
        let sent: Message[] = [];
        try {
          const response = await sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: destination,
              Entries: messages.map((message, index) => ({
                Id: String(index),
                MessageBody: message.Body,
                MessageAttributes: copyAttributes(message),
              })),
            }),
          );
          sent = (response.Successful ?? []).map((s) => messages[Number(s.Id)] as Message);
          for (const failure of response.Failed ?? []) {
            const message = messages[Number(failure.Id)] as Message;
            keep.push(message);
            rows.push(row(message, 'failed', `SQS refused the copy: ${failure.Code ?? 'error'}`));
          }
        } catch (error) {
          stoppedBy = error;
          keep.push(...messages);
          rows.push(...messages.map((m) => row(m, 'failed', `send failed: ${(error as Error).name}`)));
          continue;
        }
        const deleted = new Set<string>();
        try {
          const response = await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: dlqUrl,
              Entries: sent.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle,
              })),
            }),
          );
          for (const success of response.Successful ?? []) deleted.add(success.Id ?? '');
        } catch (error) {
          stoppedBy = error;
        }
        sent.forEach((message, index) => {
          if (deleted.has(String(index))) rows.push(row(message, 'moved'));
          else {
            keep.push(message);
            rows.push(row(message, 'duplicated', 'copied to the source queue, but still in the DLQ'));
          }
        });
      }
    }
  } catch (error) {
    stoppedBy = error;
  } finally {
    await release(sqs, dlqUrl, keep);
  }
  return { rows, stoppedBy };
}

/**
 * Redrives a DLQ. With `includeParked` every message goes back, so SQS's own StartMessageMoveTask is
 * used where the server offers it (a server without it, such as fauxqs, falls back to copying).
 * Without it, messages are copied one by one so that parked ones can stay.
 */
export async function redrive(
  sqs: SQSClient,
  dlqUrl: string,
  to: string | undefined,
  options: RedriveOptions,
): Promise<RedriveResult> {
  if (options.includeParked === true && options.maxMessages === undefined) {
    try {
      const sourceArn = await queueArn(sqs, dlqUrl);
      const destinationArn = to === undefined ? undefined : await queueArn(sqs, to);
      const task = await sqs.send(
        new StartMessageMoveTaskCommand({
          SourceArn: sourceArn,
          ...(destinationArn === undefined ? {} : { DestinationArn: destinationArn }),
        }),
      );
      return { method: 'move_task', taskHandle: task.TaskHandle, destination: to ?? 'the source queue(s)' };
    } catch (error) {
      if (!UNSUPPORTED.has((error as Error).name)) throw error;
    }
  }
  const destination = await destinationOf(sqs, dlqUrl, to);
  return { method: 'copy', destination, ...(await redriveByCopy(sqs, dlqUrl, destination, options)) };
}
