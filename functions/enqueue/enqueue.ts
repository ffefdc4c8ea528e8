import type {
  SendMessageBatchCommandInput,
  SendMessageBatchCommandOutput,
  SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ConfigurationError } from '../lib/errors';
import {
  formatMessageBody,
  isRevocationAction,
  MAX_FIELD_LENGTH,
  RevocationAction,
  RevocationPriority,
} from '../lib/message';
import { checkQueueUrl, checkScheme, REFUSE_CLEARTEXT_STEP, refuseCleartext } from '../lib/queue-url';
import { groupForSendBatches } from '../lib/send-batches';
import { checkToken, chunk, fingerprint, MAX_TOKENS_PER_CALL } from '../lib/tokens';
import { type EnqueueProblem, EnqueueValidationError } from './enqueue-error';
import { callFailure, entryFailure, type SqsFailure, type SqsFailureKind } from './sqs-failure';

export interface EnqueueOptions {
  /**
   * URL of the routine queue (the stack's `QueueUrl` output), where routine requests (logouts) go.
   * https, or http to a loopback host. Required for routine requests. @default undefined
   */
  readonly queueUrl?: string;
  /**
   * URL of the urgent queue (the stack's `UrgentQueueUrl` output), where urgent requests go.
   * Required for urgent requests: without it they are refused, never sent to the routine queue.
   * @default undefined
   */
  readonly urgentQueueUrl?: string;
  /**
   * `routine`: revoked within the routine consumer's hold time (about a minute), in full calls of 20.
   * `urgent` (leaks, compromised accounts): revoked at once by the urgent lane. @default 'routine'
   */
  readonly priority?: RevocationPriority;
  /** A configured client (region, endpoint, credentials). @default new SQSClient({}) from the SDK's standard configuration */
  readonly sqsClient?: SQSClient;
  /** @default 'invalidate' */
  readonly action?: RevocationAction;
  /** Why, for operators (`logout`, `account_closed`, `leak`). Never a token. @default undefined */
  readonly reason?: string;
  /** Which service asks. @default undefined */
  readonly source?: string;
  /** Tokens per message: one message is one API call downstream. @default 20 */
  readonly tokensPerMessage?: number;
  /**
   * HTTP requests that may carry one message, retries included. One layer retries each kind of
   * failure: the SQS client retries transport errors, throttling and server errors (the default
   * client is created with this `maxAttempts`; a client you pass keeps its own, the SDK's default
   * being 3); this library sends again only the entries of an answered batch that SQS reports
   * `Failed` with `SenderFault: false`, while the requests that carried them, the client's retries
   * counted, are fewer than `maxAttempts`. @default 4
   */
  readonly maxAttempts?: number;
  /** Base of the exponential delay (full jitter) before the library sends failed entries again. @default 100 */
  readonly retryBaseDelayMs?: number;
  /** Called after every SendMessageBatch call with the number of tokens settled so far. @default undefined */
  readonly onProgress?: (settledTokens: number, totalTokens: number) => void;
}

/** What became of one input token; `index` is its position in the input. */
export type EnqueueOutcome =
  | {
      readonly index: number;
      readonly fingerprint: string;
      readonly status: 'sent';
      readonly messageId: string;
    }
  | {
      readonly index: number;
      readonly fingerprint: string;
      readonly status: 'failed';
      readonly reason: string;
      /** `refused` (SQS refused this message), `rejected` (the request: queue, access, configuration) or `unreachable`. */
      readonly failure: SqsFailureKind;
      /** SQS or system error code, e.g. `InvalidParameterValue`, `QueueDoesNotExist`, `ECONNREFUSED`. */
      readonly code: string;
    };

export interface EnqueueResult {
  /** The queue the tokens were sent to. */
  readonly queueUrl: string;
  readonly priority: RevocationPriority;
  readonly sent: number;
  readonly failed: number;
  /** One per input token, in input order. A token is `sent` only if SQS accepted its message. */
  readonly outcomes: readonly EnqueueOutcome[];
  readonly messages: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Name of the cleartext check in errors about the client's endpoint. */
const ENDPOINT_SETTING = 'sqsClient endpoint';

function checkOptions(options: EnqueueOptions): EnqueueProblem[] {
  const problems: EnqueueProblem[] = [];
  if (!isRevocationAction(options.action ?? RevocationAction.Invalidate)) {
    problems.push({
      index: -1,
      problem: 'action',
      detail: 'action must be "invalidate" or "deauthenticate"',
    });
  }
  const priority = options.priority ?? RevocationPriority.Routine;
  if (priority !== RevocationPriority.Routine && priority !== RevocationPriority.Urgent) {
    problems.push({ index: -1, problem: 'priority', detail: 'priority must be "routine" or "urgent"' });
  }
  for (const field of ['reason', 'source'] as const) {
    const value = options[field];
    if (value !== undefined && (typeof value !== 'string' || value.length > MAX_FIELD_LENGTH)) {
      problems.push({
        index: -1,
        problem: field,
        detail: `${field} must be a string of at most ${MAX_FIELD_LENGTH} characters`,
      });
    }
  }
  const perMessage = options.tokensPerMessage ?? MAX_TOKENS_PER_CALL;
  if (!Number.isInteger(perMessage) || perMessage < 1 || perMessage > MAX_TOKENS_PER_CALL) {
    problems.push({
      index: -1,
      problem: 'tokens_per_message',
      detail: `tokensPerMessage must be 1 to ${MAX_TOKENS_PER_CALL}`,
    });
  }
  return problems;
}

/**
 * Checks the queue URLs given (https, or http to a loopback host) and returns the one a request of
 * this priority goes to: urgent requests to `urgentQueueUrl`, routine ones to `queueUrl`.
 * @throws ConfigurationError naming the option: a bad URL, or none for the priority.
 */
export function queueUrlFor(
  options: Pick<EnqueueOptions, 'queueUrl' | 'urgentQueueUrl' | 'priority'>,
): string {
  if (options.queueUrl !== undefined) checkQueueUrl(options.queueUrl, 'queueUrl');
  if (options.urgentQueueUrl !== undefined) checkQueueUrl(options.urgentQueueUrl, 'urgentQueueUrl');
  if (options.priority === RevocationPriority.Urgent) {
    if (options.urgentQueueUrl !== undefined) return options.urgentQueueUrl;
    throw new ConfigurationError(
      'urgentQueueUrl',
      'priority "urgent" needs the urgent queue (the stack output UrgentQueueUrl); nothing was sent. ' +
        'Urgent requests never fall back to the routine queue, where they would wait for its next run: ' +
        'to accept that, send them with priority "routine"',
    );
  }
  if (options.queueUrl !== undefined) return options.queueUrl;
  throw new ConfigurationError(
    'queueUrl',
    'routine requests need the routine queue (the stack output QueueUrl); nothing was sent',
  );
}

/** Refuses a client whose explicit endpoint is plain http to a host other than loopback. */
async function checkClientEndpoint(client: SQSClient): Promise<void> {
  const endpoint = await client.config.endpoint?.();
  if (endpoint !== undefined)
    checkScheme(endpoint.protocol, endpoint.hostname, ENDPOINT_SETTING, 'the SQS endpoint');
}

/**
 * Sends tokens to the revocation queue in the handler's format: up to 20 tokens per message, 10
 * messages per SendMessageBatch; urgent requests to the urgent queue, routine ones to the routine
 * queue, with `priority` in the body. A missing or cleartext queue URL or endpoint throws
 * ConfigurationError naming the option. Every token is checked first with the handler's rules; if any is
 * invalid nothing is sent and EnqueueValidationError says which and why. One retry layer per kind of
 * failure, `maxAttempts` requests per message in all: the SQS client retries transport errors and
 * throttling, this library only the entries SQS fails on its side (`SenderFault: false`); entries
 * refused as the sender's fault and requests SQS rejects (no such queue, access denied) are final. The result has one outcome per input
 * token, and a token is `sent` only when SQS returned a message id for its message.
 */
export async function enqueueTokens(
  tokens: readonly unknown[],
  options: EnqueueOptions,
): Promise<EnqueueResult> {
  const problems = checkOptions(options);
  tokens.forEach((token, index) => {
    const check = checkToken(token);
    if (!check.ok)
      problems.push({ index, fingerprint: fingerprint(token), problem: check.problem, detail: check.detail });
  });
  if (tokens.length === 0) problems.push({ index: -1, problem: 'no_tokens', detail: 'no tokens to enqueue' });
  if (problems.length > 0) throw new EnqueueValidationError(problems);
  const priority = options.priority ?? RevocationPriority.Routine;
  const queueUrl = queueUrlFor({ ...options, priority });

  const valid = tokens as readonly string[];
  const unique = [...new Set(valid)];
  const requestedAt = new Date().toISOString();
  const bodies = chunk(unique, options.tokensPerMessage ?? MAX_TOKENS_PER_CALL).map((group) => ({
    tokens: group,
    body: formatMessageBody({
      tokens: group,
      action: options.action,
      reason: options.reason,
      source: options.source,
      requestedAt,
      priority,
    }),
  }));
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const client = options.sqsClient ?? (await defaultClient(maxAttempts));
  await checkClientEndpoint(client);
  const { SendMessageBatchCommand } = await import('@aws-sdk/client-sqs');

  // Result per message index: its message id, or why it failed.
  type Result = { readonly messageId: string } | SqsFailure;
  const results = new Map<number, Result>();
  const baseDelay = options.retryBaseDelayMs ?? 100;
  let settledTokens = 0;
  const settle = (message: number, result: Result) => {
    results.set(message, result);
    settledTokens += bodies[message]?.tokens.length ?? 0;
  };

  const messageBodies = bodies.map((message) => message.body);
  /** HTTP requests that carried each message so far: the SDK's attempts of every call it was in. */
  const used = bodies.map(() => 0);
  let pending = bodies.map((_, index) => index);
  for (let round = 0; pending.length > 0; round++) {
    if (round > 0) await sleep(Math.random() * baseDelay * 2 ** round);
    const retry: number[] = [];
    for (const group of groupForSendBatches(messageBodies, pending)) {
      const entries: SendMessageBatchRequestEntry[] = group.map((i) => ({
        Id: String(i),
        MessageBody: bodies[i]?.body,
      }));
      try {
        const command = new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries });
        command.middlewareStack.add(
          refuseCleartext<SendMessageBatchCommandInput, SendMessageBatchCommandOutput>(ENDPOINT_SETTING),
          REFUSE_CLEARTEXT_STEP,
        );
        const response = await client.send(command);
        for (const i of group) used[i] = (used[i] ?? 0) + Math.max(1, response.$metadata.attempts ?? 1);
        for (const success of response.Successful ?? []) {
          if (success.MessageId !== undefined) settle(Number(success.Id), { messageId: success.MessageId });
        }
        // The one retry of this library: entries SQS failed on its side (SenderFault false), while
        // they have attempts left. Transport errors and throttling are the SDK client's to retry.
        for (const failed of response.Failed ?? []) {
          const i = Number(failed.Id);
          const failure = entryFailure(failed);
          if (failure.retryable && (used[i] ?? 0) < maxAttempts) retry.push(i);
          else settle(i, failure);
        }
        // An entry SQS neither accepted nor refused is not reported as sent.
        for (const i of group) {
          if (results.has(i) || retry.includes(i)) continue;
          if ((used[i] ?? 0) < maxAttempts) retry.push(i);
        }
      } catch (error) {
        // The client already retried what it could (its own maxAttempts): no second layer on top.
        for (const i of group) settle(i, callFailure(error));
      }
      options.onProgress?.(settledTokens, unique.length);
    }
    pending = retry.filter((i) => !results.has(i));
  }
  const exhausted: SqsFailure = {
    kind: 'unreachable',
    code: 'no_answer',
    reason: 'SQS neither accepted nor refused the message after all attempts',
    retryable: true,
  };
  for (const i of pending) if (!results.has(i)) settle(i, exhausted);

  const byToken = new Map<string, Result>();
  bodies.forEach(({ tokens: group }, message) => {
    const result = results.get(message) ?? exhausted;
    for (const token of group) byToken.set(token, result);
  });
  const outcomes = valid.map((token, index): EnqueueOutcome => {
    const result = byToken.get(token) ?? exhausted;
    return 'messageId' in result
      ? { index, fingerprint: fingerprint(token), status: 'sent', messageId: result.messageId }
      : {
          index,
          fingerprint: fingerprint(token),
          status: 'failed',
          reason: result.reason,
          failure: result.kind,
          code: result.code,
        };
  });
  const sent = outcomes.filter((o) => o.status === 'sent').length;
  return { queueUrl, priority, sent, failed: outcomes.length - sent, outcomes, messages: bodies.length };
}

/** The SDK's standard configuration, with `maxAttempts` for its retries of transport errors and throttling. */
async function defaultClient(maxAttempts: number): Promise<SQSClient> {
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  return new SQSClient({ maxAttempts });
}
