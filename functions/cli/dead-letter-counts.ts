import type { SQSClient } from '@aws-sdk/client-sqs';
import { resolveStoredText } from '../lib/app-key';
import { readParkingKeySource } from '../lib/config';
import { type ParkingKey, parkingKey } from '../lib/parked-message';
import { classifyMessage } from './dlq/classify';
import { receiveAll, release } from './dlq/queue-reader';
import { CliError, ExitCode } from './exit-codes';
import type { Io } from './io';

/** The most dead-letter messages `status` reads. */
export const MAX_DEAD_LETTERS = 1000;

/** Dead-letter messages by kind (parked, dead_lettered, unreadable), each by reason. */
export interface DeadLetterCounts {
  readonly total: number;
  /** True when the read stopped at MAX_DEAD_LETTERS messages: there may be more. */
  readonly truncated: boolean;
  readonly byKind: Readonly<
    Record<string, { readonly count: number; readonly reasons: Record<string, number> }>
  >;
}

/** The parking key, as `dlq` takes it: PARKED_MESSAGE_KEY, or --parking-key-secret / PARKED_MESSAGE_KEY_SECRET_ID. */
export async function parkingKeyFor(
  io: Io,
  parkingKeySecret: string | undefined,
): Promise<ParkingKey | undefined> {
  try {
    const source = readParkingKeySource({
      PARKED_MESSAGE_KEY: io.env.PARKED_MESSAGE_KEY,
      PARKED_MESSAGE_KEY_SECRET_ID: parkingKeySecret,
    });
    const setting =
      source.kind === 'plain' ? 'PARKED_MESSAGE_KEY' : '--parking-key-secret / PARKED_MESSAGE_KEY_SECRET_ID';
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

/** Reads the dead-letter queue (each message received once, made visible again at once) and counts kinds and reasons. */
export async function countDeadLetters(
  sqs: SQSClient,
  url: string,
  key: ParkingKey | undefined,
): Promise<DeadLetterCounts> {
  const messages = await receiveAll(sqs, url, {
    maxMessages: MAX_DEAD_LETTERS,
    waitSeconds: 0,
    visibilityTimeout: 30,
  });
  await release(sqs, url, messages);
  const byKind: Record<string, { count: number; reasons: Record<string, number> }> = {};
  for (const message of messages) {
    const { kind, reason } = classifyMessage(message, key);
    const entry = byKind[kind] ?? { count: 0, reasons: {} };
    byKind[kind] = entry;
    entry.count += 1;
    entry.reasons[reason] = (entry.reasons[reason] ?? 0) + 1;
  }
  return { total: messages.length, truncated: messages.length >= MAX_DEAD_LETTERS, byKind };
}
