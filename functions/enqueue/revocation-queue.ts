import type { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError } from '../lib/errors';
import { checkQueueUrl } from '../lib/queue-url';
import { type EnqueueOptions, type EnqueueResult, enqueueTokens } from './enqueue';

/** Settings of a RevocationQueue: everything of EnqueueOptions except the per-call fields. */
export type RevocationQueueOptions = Omit<EnqueueOptions, 'onProgress'> & {
  /** Required here: the queue holds one client for its lifetime. */
  readonly sqsClient: SQSClient;
};

/**
 * The revocation queues with their SQS client, for services that enqueue often (one per process):
 * `await queue.enqueue([token], { reason: 'logout' })`, or `{ priority: 'urgent' }` for a leak.
 * The queue URLs are checked when the object is made, so a misconfigured service fails at start.
 */
export class RevocationQueue {
  /** The routine queue (`QueueUrl`), if given. */
  readonly queueUrl: string | undefined;
  /** The urgent queue (`UrgentQueueUrl`), if given. */
  readonly urgentQueueUrl: string | undefined;
  readonly #defaults: RevocationQueueOptions;

  /** @throws ConfigurationError naming the option: no queue URL at all, or one that is not https (loopback aside). */
  constructor(options: RevocationQueueOptions) {
    if (options.queueUrl === undefined && options.urgentQueueUrl === undefined) {
      throw new ConfigurationError(
        'queueUrl',
        'give queueUrl (QueueUrl), urgentQueueUrl (UrgentQueueUrl) or both',
      );
    }
    this.queueUrl = options.queueUrl === undefined ? undefined : checkQueueUrl(options.queueUrl, 'queueUrl');
    this.urgentQueueUrl =
      options.urgentQueueUrl === undefined
        ? undefined
        : checkQueueUrl(options.urgentQueueUrl, 'urgentQueueUrl');
    this.#defaults = options;
  }

  /** enqueueTokens with this queue's client and defaults; `options` override them for this call. */
  enqueue(
    tokens: readonly unknown[],
    options: Partial<Omit<EnqueueOptions, 'queueUrl' | 'urgentQueueUrl' | 'sqsClient'>> = {},
  ): Promise<EnqueueResult> {
    return enqueueTokens(tokens, { ...this.#defaults, ...options });
  }
}
