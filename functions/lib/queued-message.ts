import type { Message } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/** One queued revocation request, as both lanes see it: a record of an SQS event or a received message. */
export interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  /** ApproximateReceiveCount, when SQS said. */
  readonly receiveCount: number | undefined;
  /** Epoch ms SQS accepted the message (SentTimestamp), when SQS said. */
  readonly sentAt: number | undefined;
}

function numberOrUndefined(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/** A record of the SQS event that invoked the urgent handler. */
export function fromRecord(record: SQSRecord): QueuedMessage {
  return {
    messageId: record.messageId,
    body: record.body,
    receiveCount: numberOrUndefined(record.attributes?.ApproximateReceiveCount),
    sentAt: numberOrUndefined(record.attributes?.SentTimestamp),
  };
}

/** A message the routine consumer received (ReceiveMessage with `MessageSystemAttributeNames: ['All']`). */
export function fromMessage(message: Message): QueuedMessage {
  return {
    messageId: message.MessageId ?? '',
    body: message.Body ?? '',
    receiveCount: numberOrUndefined(message.Attributes?.ApproximateReceiveCount),
    sentAt: numberOrUndefined(message.Attributes?.SentTimestamp),
  };
}
