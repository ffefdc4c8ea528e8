import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { AuditTrail } from '../lib/audit';
import { BatchFailedError, UnexpectedError } from '../lib/errors';
import { ParkReason } from '../lib/message';
import { containedParker, type Parker, type ParkResult } from '../lib/park';
import type { ParkingKey } from '../lib/parked-message';
import { fromRecord, type QueuedMessage } from '../lib/queued-message';
import { quietLogger } from '../lib/quiet-logger';
import { readMessages, type StepLogger, tokensByAction } from '../lib/read-messages';
import { revokeTokens } from '../lib/revoke';
import { apiRejections, type MessageFate, settleMessages } from '../lib/settle';
import type { ClientEvent, StackExchangeClient } from '../lib/stackexchange/client';
import {
  type Counts,
  countClientEvents,
  countParking,
  countRevocation,
  logCallErrors,
  mergeCounts,
} from '../lib/telemetry';
import { Lane } from '../lib/telemetry-names';

export interface BatchDependencies {
  readonly client: StackExchangeClient;
  readonly park: Parker;
  readonly logger: StepLogger;
  /** API calls in flight at once. */
  readonly callConcurrency: number;
  /** Time kept free before the Lambda timeout, to park and report. */
  readonly safetyMarginMs: number;
  /** Writes one audit line per settled token. @default none */
  readonly audit?: AuditTrail;
  /** The key parked messages are sealed with: a sealed one sent back stands for its original request. @default none */
  readonly parkingKey?: ParkingKey;
}

/** What became of a batch: each message's fate, and the counts of every step. */
export interface BatchOutcome {
  readonly fates: readonly MessageFate[];
  readonly counts: Counts;
}

/** The partial-batch response: the messages to retry; all of them failing is an error, so that Lambda backs off. */
export function respond(fates: readonly MessageFate[]): SQSBatchResponse {
  const retried = fates.filter((fate) => fate.fate === 'retry');
  if (retried.length > 0 && retried.length === fates.length) {
    throw new BatchFailedError(
      retried.map((fate) => fate.messageId),
      retried.flatMap((fate) => fate.categories),
    );
  }
  return { batchItemFailures: retried.map((fate) => ({ itemIdentifier: fate.messageId })) };
}

/**
 * Processes one SQS batch of the urgent lane: read every message (bad input parked at once), revoke
 * the batch's unique tokens in calls of 20, park what the API rejected, and settle each message:
 * done when every token is confirmed, dead or parked, else retried.
 *
 * Each message is contained in every step: a record that cannot be read, an entry that cannot be
 * parked, a call that throws, a rejection or a fate that cannot be worked out, or a log line that
 * cannot be written fails (retries) only the message it belongs to (for a call: the tokens it carried),
 * never the batch.
 */
export async function processBatch(
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  deps: BatchDependencies,
): Promise<BatchOutcome> {
  const deadline = Date.now() + context.getRemainingTimeInMillis() - deps.safetyMarginMs;
  const logger = quietLogger(deps.logger);
  const park = containedParker(deps.park);
  const messageIds: string[] = [];
  /** Messages retried whatever their tokens' outcomes: a step failed for them alone. */
  const broken: ParkResult[] = [];
  const fail = (messageId: string, step: string, error: unknown) => {
    const failure = new UnexpectedError(step, error);
    logger.error('Message retried: a step failed for it', { messageId, error: failure.message });
    broken.push({
      entry: { reason: ParkReason.InvalidMessage, detail: failure.message, sourceMessageId: messageId },
      parked: false,
      failure: failure.name,
    });
  };
  const messages: QueuedMessage[] = [];
  for (const record of event.Records) {
    try {
      messageIds.push(record.messageId);
      messages.push(fromRecord(record));
    } catch (error) {
      if (messageIds.length > messages.length) fail(messageIds.at(-1) as string, 'reading the record', error);
    }
  }
  const batch = readMessages(messages, logger, { parkingKey: deps.parkingKey });
  const events: ClientEvent[] = [];
  const [parkedInput, revocation] = await Promise.all([
    park(batch.toPark),
    revokeTokens(deps.client, tokensByAction(batch.requests), {
      concurrency: deps.callConcurrency,
      deadline,
      onEvent: (clientEvent) => events.push(clientEvent),
    }),
  ]);
  logCallErrors(logger, revocation);
  const rejections = apiRejections(batch.requests, revocation.outcomes, logger, (messageId, error) =>
    fail(messageId, 'parking the tokens the API rejected', error),
  );
  const parked = [...parkedInput, ...(await park(rejections))];
  const settled = settleMessages(messageIds, batch.requests, revocation.outcomes, [...parked, ...broken]);
  deps.audit?.({ lane: Lane.Urgent, requests: batch.requests, outcomes: revocation.outcomes, parked });
  return {
    fates: settled.fates,
    counts: mergeCounts(
      countClientEvents(events),
      countRevocation(revocation),
      countParking(parked),
      settled.counts,
    ),
  };
}
