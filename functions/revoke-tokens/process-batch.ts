import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { AuditTrail } from '../lib/audit';
import { BatchFailedError } from '../lib/errors';
import type { Parker } from '../lib/park';
import { fromRecord } from '../lib/queued-message';
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
 */
export async function processBatch(
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  deps: BatchDependencies,
): Promise<BatchOutcome> {
  const deadline = Date.now() + context.getRemainingTimeInMillis() - deps.safetyMarginMs;
  const batch = readMessages(event.Records.map(fromRecord), deps.logger);
  const events: ClientEvent[] = [];
  const [parkedInput, revocation] = await Promise.all([
    deps.park(batch.toPark),
    revokeTokens(deps.client, tokensByAction(batch.requests), {
      concurrency: deps.callConcurrency,
      deadline,
      onEvent: (clientEvent) => events.push(clientEvent),
    }),
  ]);
  logCallErrors(deps.logger, revocation);
  const rejected = await deps.park(apiRejections(batch.requests, revocation.outcomes, deps.logger));
  const parked = [...parkedInput, ...rejected];
  const messageIds = event.Records.map((record) => record.messageId);
  const settled = settleMessages(messageIds, batch.requests, revocation.outcomes, parked);
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
