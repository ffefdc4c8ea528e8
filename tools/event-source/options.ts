import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ConfigurationError } from '../../functions/lib/errors';

/** A function invoked with an SQS event, as Lambda invokes one. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/** One execution environment: its handler, and what to do when Lambda throws it away. */
export interface HandlerInstance {
  readonly handle: SqsHandler;
  /** Called when the instance is discarded (after a timeout or a runtime exit) and on stop. */
  close?(): Promise<void> | void;
}

/**
 * Builds one execution environment (a cold start). Called once per concurrent instance, with the
 * instance's number (0, 1, ...); free instances are reused, as Lambda reuses warm environments.
 * Throwing here is an init error: the batch fails and the next invocation tries again.
 */
export type HandlerFactory = (
  instance: number,
) => SqsHandler | HandlerInstance | Promise<SqsHandler | HandlerInstance>;

/** What one invocation did; given to `onInvocation` once the event source is done with the batch. */
export interface InvocationReport {
  /** The poller that gathered the batch (0 to pollers - 1). */
  readonly poller: number;
  /** The instance that ran it (-1 when building one failed). */
  readonly instance: number;
  readonly records: number;
  readonly payloadBytes: number;
  /** Invocations running when this one started, itself included. */
  readonly concurrency: number;
  readonly durationMs: number;
  /** `success`: all deleted; `partial`: reported failures left; the others leave the whole batch. */
  readonly outcome: 'success' | 'partial' | 'error' | 'timeout' | 'init_error';
  /** Records left in the queue to come back after the visibility timeout. */
  readonly failed: number;
}

/** The settings of Lambda's SQS event source mapping, and of the function it invokes. */
export interface SqsEventSourceOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly createHandler: HandlerFactory;
  /** Records per invocation (BatchSize, 1 to 10,000). @default 10 */
  readonly batchSize?: number;
  /**
   * How long a poller gathers records once its batch has its first one (MaximumBatchingWindowInSeconds,
   * 0 to 300 s; at least 1 s when batchSize is over 10, as Lambda requires). @default 0
   */
  readonly maxBatchingWindowMs?: number;
  /** Invocations at once (ScalingConfig.MaximumConcurrency, 2 to 1,000). @default 2 */
  readonly maxConcurrency?: number;
  /** Pollers, each long-polling and gathering its own batch. @default 5 (Lambda's starting number) */
  readonly pollers?: number;
  /** The function timeout: the context's deadline, after which the batch counts as failed. @default 3000 */
  readonly functionTimeoutMs?: number;
  /** Largest event a batch may make (Lambda's synchronous payload limit). @default 6 MB */
  readonly maxPayloadBytes?: number;
  /** Long-poll wait of an empty poller (1 to 20 s). @default 20 */
  readonly pollWaitSeconds?: number;
  /**
   * Each receive starts after a random pause of 0 to this many milliseconds. SQS hands a message to
   * any one of the waiting long polls; fauxqs wakes them all and the first in its line takes it, and
   * the poller that took one tends to stay first, so without jitter one poller gathers a whole
   * trickle that Lambda's pollers would split (0 to 1,000). @default 20
   */
  readonly receiveJitterMs?: number;
  /** Starts enabled (the mapping's Enabled); `setEnabled` changes it. @default true */
  readonly enabled?: boolean;
  /** FunctionResponseTypes includes ReportBatchItemFailures. @default true */
  readonly reportBatchItemFailures?: boolean;
  /** Told about every invocation (for tests, progress and cost models). @default none */
  readonly onInvocation?: (report: InvocationReport) => void;
}

export type ResolvedOptions = Required<Omit<SqsEventSourceOptions, 'onInvocation'>> &
  Pick<SqsEventSourceOptions, 'onInvocation'>;

/** The default `receiveJitterMs`: enough to shuffle the local server's line of waiting polls. */
export const DEFAULT_RECEIVE_JITTER_MS = 20;

/** 6 MB, Lambda's limit for a synchronous invocation's payload. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

function check(name: string, value: number, min: number, max: number, integer = true): number {
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new ConfigurationError(
      name,
      `${String(value)} is not ${integer ? 'an integer' : 'a number'} between ${min} and ${max}`,
    );
  }
  return value;
}

/** Fills the defaults and checks every setting against Lambda's limits; errors name the setting. */
export function resolveOptions(options: SqsEventSourceOptions): ResolvedOptions {
  const batchSize = check('batchSize', options.batchSize ?? 10, 1, 10_000);
  const maxBatchingWindowMs = check('maxBatchingWindowMs', options.maxBatchingWindowMs ?? 0, 0, 300_000);
  if (batchSize > 10 && maxBatchingWindowMs < 1000) {
    throw new ConfigurationError(
      'maxBatchingWindowMs',
      `must be at least 1000 when batchSize is over 10 (batchSize ${batchSize})`,
    );
  }
  if (options.queueUrl === '') throw new ConfigurationError('queueUrl', 'is empty');
  return {
    sqs: options.sqs,
    queueUrl: options.queueUrl,
    createHandler: options.createHandler,
    batchSize,
    maxBatchingWindowMs,
    maxConcurrency: check('maxConcurrency', options.maxConcurrency ?? 2, 2, 1000),
    pollers: check('pollers', options.pollers ?? 5, 1, 100),
    functionTimeoutMs: check('functionTimeoutMs', options.functionTimeoutMs ?? 3000, 1, 900_000),
    maxPayloadBytes: check(
      'maxPayloadBytes',
      options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES,
      1024,
      MAX_PAYLOAD_BYTES,
    ),
    pollWaitSeconds: check('pollWaitSeconds', options.pollWaitSeconds ?? 20, 1, 20),
    receiveJitterMs: check(
      'receiveJitterMs',
      options.receiveJitterMs ?? DEFAULT_RECEIVE_JITTER_MS,
      0,
      1000,
      false,
    ),
    reportBatchItemFailures: options.reportBatchItemFailures ?? true,
    enabled: options.enabled ?? true,
    onInvocation: options.onInvocation,
  };
}
