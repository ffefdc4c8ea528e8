import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  BatchFailedError,
  CallNotAttemptedError,
  ErrorCategory,
  type TokenRevokerError,
} from '../lib/errors';
import { parseMessageBody, RejectReason, RevocationAction } from '../lib/message';
import type { StackExchangeClient } from '../lib/stackexchange/client';
import { fingerprint } from '../lib/tokens';
import type { ParkEntry, Parker } from './park';
import { revokeTokens, type TokenOutcome } from './revoke';
import type { Tally } from './telemetry';

export interface BatchDependencies {
  readonly client: StackExchangeClient;
  readonly park: Parker;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Counts of this invocation; the client's events must feed it. */
  readonly tally: Tally;
  /** API calls in flight at once. */
  readonly callConcurrency: number;
  /** Time kept free before the Lambda timeout, to park and report. */
  readonly safetyMarginMs: number;
}

/** One SQS message, as the batch sees it. */
interface MessageWork {
  readonly messageId: string;
  readonly action: RevocationAction;
  readonly tokens: readonly string[];
  /** Indexes into the park list of the entries that belong to this message. */
  readonly parkIndexes: number[];
}

const fingerprints = (values: readonly unknown[]) => values.map(fingerprint);

function receiveCount(record: SQSRecord): number | undefined {
  const count = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isFinite(count) ? count : undefined;
}

/**
 * Processes one SQS batch: reads every message, parks what can never succeed, revokes the unique
 * valid tokens of the whole batch in calls of 20, and reports for retry exactly the messages that hold
 * a token that is neither confirmed (invalidated or already dead) nor parked.
 */
export async function processBatch(
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  deps: BatchDependencies,
): Promise<SQSBatchResponse> {
  const { logger, tally } = deps;
  const deadline = Date.now() + context.getRemainingTimeInMillis() - deps.safetyMarginMs;
  const parkList: ParkEntry[] = [];
  const messages: MessageWork[] = [];
  const wanted = new Map<RevocationAction, Set<string>>();

  for (const record of event.Records) {
    const parsed = parseMessageBody(record.body);
    const work: MessageWork = {
      messageId: record.messageId,
      action: parsed.ok ? parsed.action : RevocationAction.Invalidate,
      tokens: parsed.ok ? parsed.tokens : [],
      parkIndexes: [],
    };
    messages.push(work);
    if (!parsed.ok) {
      logger.warn('Message rejected', {
        messageId: record.messageId,
        reason: parsed.reason,
        detail: parsed.detail,
      });
      work.parkIndexes.push(
        parkList.push({
          reason: parsed.reason,
          detail: parsed.detail,
          sourceMessageId: record.messageId,
          body: record.body,
          receiveCount: receiveCount(record),
        }) - 1,
      );
      continue;
    }
    for (const warning of parsed.warnings)
      logger.warn('Message field ignored', { messageId: record.messageId, warning });
    if (parsed.rejected.length > 0) {
      logger.warn('Invalid tokens rejected', {
        messageId: record.messageId,
        fingerprints: fingerprints(parsed.rejected.map((r) => r.value)),
        problems: parsed.rejected.map((r) => r.detail),
      });
      work.parkIndexes.push(
        parkList.push({
          reason: RejectReason.InvalidToken,
          detail: parsed.rejected.map((r) => r.detail).join('; '),
          sourceMessageId: record.messageId,
          tokens: parsed.rejected.map((r) => r.value),
          problems: parsed.rejected.map(({ index, problem, detail }) => ({ index, problem, detail })),
          action: parsed.action,
          receiveCount: receiveCount(record),
        }) - 1,
      );
    }
    const set = wanted.get(parsed.action) ?? new Set<string>();
    for (const token of parsed.tokens) set.add(token);
    wanted.set(parsed.action, set);
  }

  // Park unreadable input while the calls run: it does not depend on them.
  const earlyParkCount = parkList.length;
  const earlyParking = deps.park(parkList.slice(0, earlyParkCount));

  const onCallError = (error: TokenRevokerError, tokenCount: number) => {
    if (error instanceof CallNotAttemptedError) {
      // Not a new failure: the method is paused after one (already logged and counted) or time ran out.
      logger.debug('Stack Exchange call not attempted', { reason: error.reason, tokenCount });
      return;
    }
    logger.error('Stack Exchange call failed', {
      error: { name: error.name, message: error.message },
      tokenCount,
    });
    if (error.category === ErrorCategory.Configuration) {
      tally.configurationError(
        'errorName' in error && typeof error.errorName === 'string' ? error.errorName : error.name,
      );
    }
  };
  const outcomes = new Map<RevocationAction, Map<string, TokenOutcome>>();
  await Promise.all(
    [...wanted].map(async ([action, tokens]) => {
      const result = await revokeTokens(deps.client, action, [...tokens], {
        concurrency: deps.callConcurrency,
        deadline,
        onCallError,
      });
      outcomes.set(action, result);
    }),
  );

  // Tokens the API refused one by one are parked with their message.
  for (const work of messages) {
    const rejected = work.tokens.filter(
      (token) => outcomes.get(work.action)?.get(token)?.kind === 'rejected',
    );
    if (rejected.length === 0) continue;
    logger.warn('Tokens rejected by the API', {
      messageId: work.messageId,
      fingerprints: fingerprints(rejected),
    });
    work.parkIndexes.push(
      parkList.push({
        reason: RejectReason.RejectedByApi,
        detail: 'the API answered bad_parameter for each of these tokens on its own',
        sourceMessageId: work.messageId,
        tokens: rejected,
        action: work.action,
      }) - 1,
    );
  }
  const parked = [...(await earlyParking), ...(await deps.park(parkList.slice(earlyParkCount)))];

  countOutcomes(outcomes, tally);
  for (const [index, entry] of parkList.entries()) {
    if (parked[index]) {
      tally.messagesParked += 1;
      tally.tokensParked += entry.tokens?.length ?? 0;
    } else tally.parkingFailures += 1;
  }

  const failures: { itemIdentifier: string }[] = [];
  const categories: ErrorCategory[] = [];
  for (const work of messages) {
    const unfinished = work.tokens.filter(
      (token) => outcomes.get(work.action)?.get(token)?.kind === 'failed',
    );
    const parkingFailed = work.parkIndexes.some((index) => !parked[index]);
    if (unfinished.length === 0 && !parkingFailed) continue;
    failures.push({ itemIdentifier: work.messageId });
    tally.tokensRetried += unfinished.length;
    for (const token of unfinished) {
      const outcome = outcomes.get(work.action)?.get(token);
      if (outcome?.kind === 'failed') categories.push(outcome.category);
    }
    if (parkingFailed) categories.push(ErrorCategory.Transient);
  }

  logger.info('Batch processed', {
    records: event.Records.length,
    failedMessages: failures.length,
    ...tally.summary(),
  });
  tally.publish(deps.metrics);
  if (failures.length > 0 && failures.length === event.Records.length) {
    throw new BatchFailedError(
      failures.map((f) => f.itemIdentifier),
      categories,
    );
  }
  return { batchItemFailures: failures };
}

function countOutcomes(
  outcomes: ReadonlyMap<RevocationAction, ReadonlyMap<string, TokenOutcome>>,
  tally: Tally,
) {
  for (const [action, byToken] of outcomes) {
    for (const outcome of byToken.values()) {
      if (outcome.kind === 'confirmed') {
        if (action === RevocationAction.Invalidate) tally.tokensInvalidated += 1;
        else tally.tokensDeauthenticated += 1;
      } else if (outcome.kind === 'dead') tally.tokensAlreadyDead += 1;
    }
  }
}
