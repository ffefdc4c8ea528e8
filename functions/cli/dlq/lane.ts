import type { Message } from '@aws-sdk/client-sqs';
import { Lane } from '../../lib/telemetry-names';
import type { ClassifiedMessage } from './classify';

/** The lane a message came from, or `unknown` when nothing trustworthy says. */
export type MessageLane = Lane | 'unknown';

/** The lane of a message nothing trustworthy names a lane for. */
export const UNKNOWN_LANE = 'unknown';

/** The system attribute SQS sets on a message it moves to a dead-letter queue: the source queue's ARN. */
export const SOURCE_ARN_ATTRIBUTE = 'DeadLetterQueueSourceArn' as const;

/** The lanes' queue URLs, as the operator gave them (either may be missing). */
export interface LaneQueueUrls {
  readonly routine?: string;
  readonly urgent?: string;
}

/** The queue name at the end of a queue URL (`.../123456789012/NAME`) or ARN (`arn:aws:sqs:REGION:ACCOUNT:NAME`). */
export function queueNameOf(urlOrArn: string): string {
  return urlOrArn.split(/[/:]/).pop() ?? '';
}

/**
 * The lane of a source queue, by its name: the routine or urgent queue URL given, else the names the
 * stack gives its source queues (`…-source` routine, `…-urgent` urgent; infra/queues.ts).
 */
export function laneOfQueue(queueName: string, urls: LaneQueueUrls): MessageLane {
  if (urls.routine !== undefined && queueNameOf(urls.routine) === queueName) return Lane.Routine;
  if (urls.urgent !== undefined && queueNameOf(urls.urgent) === queueName) return Lane.Urgent;
  if (queueName.endsWith('-urgent')) return Lane.Urgent;
  if (queueName.endsWith('-source')) return Lane.Routine;
  return UNKNOWN_LANE;
}

/**
 * The lane of a message: for a sealed parked message the lane its seal covers; for one SQS moved to
 * the dead-letter queue the lane of its source queue (SQS's `DeadLetterQueueSourceArn`, which no
 * producer can set). A message in neither case (an unsealed one, a failed EventBridge or SNS delivery,
 * a parked message sealed before lanes were recorded) has lane `unknown`.
 */
export function laneOf(
  message: Pick<Message, 'Attributes'>,
  classified: Pick<ClassifiedMessage, 'kind' | 'parkedLane'>,
  urls: LaneQueueUrls,
): MessageLane {
  if (classified.kind === 'parked') return classified.parkedLane ?? UNKNOWN_LANE;
  if (classified.kind === 'unsealed') return UNKNOWN_LANE;
  const sourceArn = message.Attributes?.[SOURCE_ARN_ATTRIBUTE];
  return sourceArn === undefined || sourceArn === ''
    ? UNKNOWN_LANE
    : laneOfQueue(queueNameOf(sourceArn), urls);
}
