import type { SQSClient } from '@aws-sdk/client-sqs';
import { localSqsClient } from '../local-sqs';
import { seededRandom } from '../simulator';

/** SQS clients for the local server that count their requests by operation (every request is billed). */
export interface CountingSqs {
  /** For producers and functions. */
  readonly client: SQSClient;
  /**
   * For the pollers of the event source model. With `spreadReceives`, each ReceiveMessage waits a
   * random 0 to `POLLER_JITTER_MS` first: SQS hands a new message to one of the receives waiting on
   * the queue, but the local server wakes them all and the longest-waiting one takes it, so the poller
   * that has just received (and polls again first) would take the next message too, and the pollers'
   * batches of a trickle would end up in one. The jitter makes the taker a random waiting poller.
   */
  readonly pollerClient: SQSClient;
  /** Requests so far, by operation name (`ReceiveMessageCommand`, ...), both clients together. */
  counts(): Readonly<Record<string, number>>;
  total(): number;
  destroy(): void;
}

export const POLLER_JITTER_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function countingSqs(
  endpoint: string,
  options: { readonly spreadReceives?: boolean; readonly seed?: number } = {},
): CountingSqs {
  const counts: Record<string, number> = {};
  const counted = (client: SQSClient) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? 'unknown';
        counts[name] = (counts[name] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'benchRequestCounter' },
    );
    return client;
  };
  const client = counted(localSqsClient(endpoint));
  const pollerClient = counted(localSqsClient(endpoint));
  const random = seededRandom(options.seed ?? 1);
  if (options.spreadReceives === true) {
    pollerClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ReceiveMessageCommand') await sleep(random() * POLLER_JITTER_MS);
        return next(args);
      },
      { step: 'initialize', name: 'benchPollerJitter' },
    );
  }
  return {
    client,
    pollerClient,
    counts: () => ({ ...counts }),
    total: () => Object.values(counts).reduce((sum, count) => sum + count, 0),
    destroy: () => {
      client.destroy();
      pollerClient.destroy();
    },
  };
}
