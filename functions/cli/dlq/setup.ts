import type { SQSClient } from '@aws-sdk/client-sqs';
import { resolveStoredText } from '../../lib/app-key';
import type { KeySource } from '../../lib/config';
import { type ParkingKey, parkingKey } from '../../lib/parked-message';
import type { CommonFlags } from '../common-options';
import { CliError, ExitCode } from '../exit-codes';
import type { Io } from '../io';
import type { FromCommandLine } from '../setting-error';
import {
  createSqsClient,
  type DeadLetterFlags,
  DLQ_URL_LABEL,
  deadLetterQueueUrls,
  PARKED_URL_LABEL,
  type QueueUrlUse,
  queueUrlSetting,
  type SqsFlags,
} from '../sqs-settings';
import type { SourceQueue } from './entry';
import { type DlqFilter, type FilterFlags, filterOf } from './filter';
import type { LaneQueueUrls } from './lane';

/** Flags every dlq command has. */
export type DlqFlags = CommonFlags &
  SqsFlags &
  DeadLetterFlags &
  FilterFlags & {
    /** --queue-url / REVOCATION_QUEUE_URL: the routine lane's queue. */
    readonly queueUrl?: string;
    /** --urgent-queue-url / REVOCATION_URGENT_QUEUE_URL: the urgent lane's queue. */
    readonly urgentQueueUrl?: string;
    readonly parkingKeySecret?: string;
    readonly maxMessages?: string;
    readonly waitSeconds: string;
  };

export const ROUTINE_URL_LABEL = '--queue-url / REVOCATION_QUEUE_URL';
export const URGENT_URL_LABEL = '--urgent-queue-url / REVOCATION_URGENT_QUEUE_URL';

/** `--max-messages 5` -> 5; a bad value is bad usage naming the flag. */
export function nonNegativeInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < 0)
    throw new CliError(`${flag}: not a non-negative integer`, ExitCode.Usage);
  return number;
}

/**
 * The parking key (decision record 0005): PARKED_MESSAGE_KEY (the key itself, local pipelines) or
 * --parking-key-secret / PARKED_MESSAGE_KEY_SECRET_ID (the stack's secret, output ParkingKeySecretArn,
 * readable by the operator roles). Without one, no message is taken for parked.
 */
export async function readParkingKey(
  parkingKeySecret: string | undefined,
  io: Io,
): Promise<ParkingKey | undefined> {
  const plain = io.env.PARKED_MESSAGE_KEY;
  if (plain && parkingKeySecret) {
    throw new CliError(
      'PARKED_MESSAGE_KEY and --parking-key-secret / PARKED_MESSAGE_KEY_SECRET_ID: give one',
      ExitCode.Usage,
    );
  }
  const source: KeySource = plain
    ? { kind: 'plain', key: plain }
    : parkingKeySecret
      ? { kind: 'secret', secretId: parkingKeySecret }
      : { kind: 'none' };
  const setting = plain ? 'PARKED_MESSAGE_KEY' : '--parking-key-secret / PARKED_MESSAGE_KEY_SECRET_ID';
  try {
    const text = await resolveStoredText(source, {
      what: 'the parking key',
      secret: setting,
      parameter: setting,
    });
    return text === undefined ? undefined : parkingKey(text, setting);
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.Usage);
  }
}

export const NO_KEY_NOTE =
  'no parking key (--parking-key-secret or PARKED_MESSAGE_KEY): no message can be recognised as parked';

/** What every dlq command works with, read from its flags. */
export interface DlqSetup {
  /** The dead-letter queue, then the parked queue (those given). */
  readonly queues: readonly SourceQueue[];
  /** The lanes' queues, as given. */
  readonly laneUrls: LaneQueueUrls;
  readonly filter: DlqFilter;
  readonly key: ParkingKey | undefined;
  readonly sqs: SQSClient;
}

/**
 * Reads and checks the flags every dlq command has, in the order a user fixes them (usage first),
 * then the parking key, then creates the SQS client for every queue the command may call (`extra`:
 * a destination). The caller destroys the client.
 */
export async function dlqSetup(
  flags: DlqFlags,
  io: Io,
  fromCommandLine: FromCommandLine,
  note: (text: string) => void,
  extra: readonly QueueUrlUse[] = [],
): Promise<DlqSetup> {
  const urls = deadLetterQueueUrls(flags, fromCommandLine);
  const filter = filterOf(flags);
  const lane = (value: string | undefined, label: string, key: string) =>
    value === undefined || value === '' ? undefined : queueUrlSetting(value, label, fromCommandLine(key));
  const routine = lane(flags.queueUrl, ROUTINE_URL_LABEL, 'queueUrl');
  const urgent = lane(flags.urgentQueueUrl, URGENT_URL_LABEL, 'urgentQueueUrl');
  const queues: SourceQueue[] = [
    ...(urls.dlq === undefined
      ? []
      : [{ source: 'dead_letter' as const, url: urls.dlq, label: DLQ_URL_LABEL }]),
    ...(urls.parked === undefined
      ? []
      : [{ source: 'parked' as const, url: urls.parked, label: PARKED_URL_LABEL }]),
  ];
  const key = await readParkingKey(flags.parkingKeySecret, io);
  const uses: QueueUrlUse[] = [
    ...queues.map((queue) => ({
      url: queue.url,
      label: queue.label,
      fromCommandLine: fromCommandLine(queue.source === 'parked' ? 'parkedUrl' : 'dlqUrl'),
    })),
    ...(routine === undefined
      ? []
      : [{ url: routine, label: ROUTINE_URL_LABEL, fromCommandLine: fromCommandLine('queueUrl') }]),
    ...(urgent === undefined
      ? []
      : [{ url: urgent, label: URGENT_URL_LABEL, fromCommandLine: fromCommandLine('urgentQueueUrl') }]),
    ...extra,
  ];
  const sqs = await createSqsClient(flags, uses, fromCommandLine, note);
  return {
    queues,
    laneUrls: { ...(routine === undefined ? {} : { routine }), ...(urgent === undefined ? {} : { urgent }) },
    filter,
    key,
    sqs,
  };
}
