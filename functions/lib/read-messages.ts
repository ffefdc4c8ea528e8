import type { Logger } from '@aws-lambda-powertools/logger';
import {
  MAX_TOKENS_PER_MESSAGE,
  ParkReason,
  type ParseOptions,
  parseMessageBody,
  type RevocationAction,
  type RevocationPriority,
} from './message';
import type { ParkEntry } from './park';
import type { QueuedMessage } from './queued-message';
import { quietLogger } from './quiet-logger';
import { chunk, fingerprint } from './tokens';

/** The logger methods the steps use: Powertools' Logger. */
export type StepLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** A readable message: its action and its valid tokens (possibly none, when all were rejected). */
export interface MessageRequest {
  readonly message: QueuedMessage;
  readonly action: RevocationAction;
  readonly priority: RevocationPriority;
  readonly tokens: readonly string[];
  /** The producer's `source` field, if any (for the audit trail). */
  readonly source?: string;
}

/** What reading a batch found: requests to revoke and input to park. */
export interface ReadBatch {
  readonly requests: readonly MessageRequest[];
  /** Unreadable messages, invalid tokens and tokens past the per-message limit. */
  readonly toPark: readonly ParkEntry[];
}

/** One message: its request, and what of it to park, each problem logged once with what and where (no token). */
function readMessage(
  message: QueuedMessage,
  logger: StepLogger,
  options: ParseOptions,
): { request?: MessageRequest; toPark: ParkEntry[] } {
  const { messageId, receiveCount } = message;
  const parsed = parseMessageBody(message.body, options);
  if (!parsed.ok) {
    logger.warn('Message rejected', { messageId, reason: parsed.reason, detail: parsed.detail });
    return {
      toPark: [
        {
          reason: parsed.reason,
          detail: parsed.detail,
          sourceMessageId: messageId,
          body: message.body,
          receiveCount,
        },
      ],
    };
  }
  for (const warning of parsed.warnings) logger.warn('Message field ignored', { messageId, warning });
  const toPark: ParkEntry[] = [];
  if (parsed.rejected.length > 0) {
    logger.warn('Invalid tokens rejected', {
      messageId,
      fingerprints: parsed.rejected.map((r) => fingerprint(r.value)),
      problems: parsed.rejected.map((r) => r.detail),
    });
    toPark.push({
      reason: ParkReason.InvalidToken,
      detail: parsed.rejected.map((r) => r.detail).join('; '),
      sourceMessageId: messageId,
      tokens: parsed.rejected.map((r) => r.value),
      problems: parsed.rejected.map(({ index, problem, detail }) => ({ index, problem, detail })),
      action: parsed.action,
      receiveCount,
    });
  }
  if (parsed.excess.length > 0) {
    const total = MAX_TOKENS_PER_MESSAGE + parsed.excess.length;
    logger.warn('Tokens over the per-message limit parked unread', {
      messageId,
      limit: MAX_TOKENS_PER_MESSAGE,
      total,
    });
    chunk(parsed.excess, MAX_TOKENS_PER_MESSAGE).forEach((values, part) => {
      const from = MAX_TOKENS_PER_MESSAGE * (part + 1);
      toPark.push({
        reason: ParkReason.TooManyTokens,
        detail: `values ${from + 1} to ${from + values.length} of ${total}: a message carries at most ${MAX_TOKENS_PER_MESSAGE} tokens; these were not read (replay them as their own request)`,
        sourceMessageId: messageId,
        tokens: values,
        action: parsed.action,
        receiveCount,
      });
    });
  }
  return {
    request: {
      message,
      action: parsed.action,
      priority: parsed.priority,
      tokens: parsed.tokens,
      ...(parsed.source === undefined ? {} : { source: parsed.source }),
    },
    toPark,
  };
}

/**
 * Reads every message of a batch on its own: one that cannot be read (or that breaks the reader, or
 * its logging) becomes a park entry of its whole body and never fails the others.
 */
export function readMessages(
  messages: readonly QueuedMessage[],
  steps: StepLogger,
  /** The parking key: a message parked and sent back as it is stands for its original request. @default {} */
  options: ParseOptions = {},
): ReadBatch {
  const logger = quietLogger(steps);
  const requests: MessageRequest[] = [];
  const toPark: ParkEntry[] = [];
  for (const message of messages) {
    try {
      const read = readMessage(message, logger, options);
      if (read.request !== undefined) requests.push(read.request);
      toPark.push(...read.toPark);
    } catch (error) {
      const detail = `the message could not be read (${error instanceof Error ? error.name : 'error'}); it has ${message.body.length} characters`;
      logger.error('Message unreadable', { messageId: message.messageId, detail });
      toPark.push({
        reason: ParkReason.InvalidMessage,
        detail,
        sourceMessageId: message.messageId,
        body: message.body,
        receiveCount: message.receiveCount,
      });
    }
  }
  return { requests, toPark };
}

/** The unique tokens of each action across requests: what one revocation sends. */
export function tokensByAction(requests: readonly MessageRequest[]): Map<RevocationAction, string[]> {
  const sets = new Map<RevocationAction, Set<string>>();
  for (const { action, tokens } of requests) {
    const set = sets.get(action) ?? new Set<string>();
    for (const token of tokens) set.add(token);
    sets.set(action, set);
  }
  return new Map([...sets].map(([action, set]) => [action, [...set]]));
}
