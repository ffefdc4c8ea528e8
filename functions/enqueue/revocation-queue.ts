import type { SQSClient } from '@aws-sdk/client-sqs';
import { type EnqueueOptions, type EnqueueResult, enqueueTokens } from './enqueue';

/** Settings of a RevocationQueue: everything of EnqueueOptions except the per-call fields. */
export type RevocationQueueOptions = Omit<EnqueueOptions, 'onProgress'> & {
  /** Required here: the queue holds one client for its lifetime. */
  readonly sqsClient: SQSClient;
};

/**
 * A revocation queue with its SQS client, for services that enqueue often (one per process):
 * `await queue.enqueue([token], { reason: 'logout' })`.
 */
export class RevocationQueue {
  readonly queueUrl: string;
  readonly #defaults: RevocationQueueOptions;

  constructor(options: RevocationQueueOptions) {
    this.queueUrl = options.queueUrl;
    this.#defaults = options;
  }

  /** enqueueTokens with this queue's client and defaults; `options` override them for this call. */
  enqueue(
    tokens: readonly unknown[],
    options: Partial<Omit<EnqueueOptions, 'queueUrl' | 'sqsClient'>> = {},
  ): Promise<EnqueueResult> {
    return enqueueTokens(tokens, { ...this.#defaults, ...options });
  }
}
