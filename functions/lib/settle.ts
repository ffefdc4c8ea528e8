import { ErrorCategory } from './errors';
import { ParkReason } from './message';
import type { ParkEntry, ParkResult } from './park';
import type { MessageRequest, StepLogger } from './read-messages';
import { type Outcomes, outcomeOf } from './revoke';
import type { Counts } from './telemetry';
import { fingerprint } from './tokens';

/**
 * Tokens the API refused one by one (`bad_parameter` when alone) are parked with their message. Each
 * message on its own: with `onError`, one whose entry cannot be made is reported there (its message
 * must then be retried) and the others still get theirs; without it, the error is thrown.
 */
export function apiRejections(
  requests: readonly MessageRequest[],
  outcomes: Outcomes,
  logger: StepLogger,
  onError?: (messageId: string, error: unknown) => void,
): ParkEntry[] {
  const entries: ParkEntry[] = [];
  for (const request of requests) {
    try {
      const entry = apiRejection(request, outcomes, logger);
      if (entry !== undefined) entries.push(entry);
    } catch (error) {
      if (onError === undefined) throw error;
      onError(request.message.messageId, error);
    }
  }
  return entries;
}

function apiRejection(
  { message, action, tokens }: MessageRequest,
  outcomes: Outcomes,
  logger: StepLogger,
): ParkEntry | undefined {
  const rejected = tokens.filter((token) => outcomeOf(outcomes, action, token)?.kind === 'rejected');
  if (rejected.length === 0) return undefined;
  logger.warn('Tokens rejected by the API', {
    messageId: message.messageId,
    fingerprints: rejected.map(fingerprint),
  });
  return {
    reason: ParkReason.RejectedByApi,
    detail: 'the API answered bad_parameter for each of these tokens on its own',
    sourceMessageId: message.messageId,
    tokens: rejected,
    action,
    receiveCount: message.receiveCount,
  };
}

/** What becomes of one message once its tokens were revoked and its bad input parked. */
export interface MessageFate {
  readonly messageId: string;
  /** `done`: every token confirmed, dead or parked; `retry`: a token failed, or parking did. */
  readonly fate: 'done' | 'retry';
  /** Tokens that failed (they go back to the queue with the message). */
  readonly unfinished: number;
  /** Why it is retried (categories of its failed tokens; `transient` when parking failed). */
  readonly categories: readonly ErrorCategory[];
}

/**
 * Decides each message's fate: done when every token is confirmed, dead or parked, and every park
 * entry of the message reached the parked queue; otherwise retried. Also counts retried tokens
 * and the seconds from SentTimestamp to now of the messages that got a confirmation.
 */
export function settleMessages(
  messageIds: readonly string[],
  requests: readonly MessageRequest[],
  outcomes: Outcomes,
  parked: readonly ParkResult[],
  now = Date.now(),
): { fates: MessageFate[]; counts: Partial<Counts> } {
  const notParked = new Set(
    parked.filter((result) => !result.parked).map(({ entry }) => entry.sourceMessageId),
  );
  const byId = new Map(requests.map((request) => [request.message.messageId, request]));
  const secondsToRevoke: number[] = [];
  let tokensRetried = 0;
  const fates = messageIds.map((messageId): MessageFate => {
    try {
      return fateOf(messageId);
    } catch {
      // Deciding failed for this message alone (a bug, not input): it is retried, the others settle.
      return { messageId, fate: 'retry', unfinished: 0, categories: [ErrorCategory.Transient] };
    }
  });
  return { fates, counts: { tokensRetried, secondsToRevoke } };

  function fateOf(messageId: string): MessageFate {
    const request = byId.get(messageId);
    const results = request?.tokens.map((token) => outcomeOf(outcomes, request.action, token)) ?? [];
    const categories = results.flatMap((outcome) =>
      outcome === undefined ? [ErrorCategory.Transient] : outcome.kind === 'failed' ? [outcome.category] : [],
    );
    if (notParked.has(messageId)) categories.push(ErrorCategory.Transient);
    const unfinished = results.filter((outcome) => outcome === undefined || outcome.kind === 'failed').length;
    if (categories.length > 0) {
      tokensRetried += unfinished;
      return { messageId, fate: 'retry', unfinished, categories };
    }
    const sentAt = request?.message.sentAt;
    if (
      sentAt !== undefined &&
      results.some((outcome) => outcome?.kind === 'confirmed' || outcome?.kind === 'dead')
    ) {
      secondsToRevoke.push(Math.max(0, (now - sentAt) / 1000));
    }
    return { messageId, fate: 'done', unfinished: 0, categories: [] };
  }
}
