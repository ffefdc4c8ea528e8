import type { SQSClient } from '@aws-sdk/client-sqs';
import { localSqsClient } from '../local-sqs';

/** SQS clients for the local server that count their requests by operation (every request is billed). */
export interface CountingSqs {
  /** For producers and functions. */
  readonly client: SQSClient;
  /** For the pollers of the event source model (which spreads a trickle over its pollers itself). */
  readonly pollerClient: SQSClient;
  /** Requests so far, by operation name (`ReceiveMessageCommand`, ...), both clients together. */
  counts(): Readonly<Record<string, number>>;
  total(): number;
  destroy(): void;
}

export function countingSqs(endpoint: string): CountingSqs {
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
