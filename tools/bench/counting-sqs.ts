import type { SQSClient } from '@aws-sdk/client-sqs';
import { localSqsClient } from '../local-sqs';

/** An SQS client for the local server that counts its requests by operation (every request is billed). */
export interface CountingSqs {
  readonly client: SQSClient;
  /** Requests so far, by operation name (`ReceiveMessageCommand`, ...). */
  counts(): Readonly<Record<string, number>>;
  total(): number;
}

export function countingSqs(endpoint: string): CountingSqs {
  const client = localSqsClient(endpoint);
  const counts: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchRequestCounter' },
  );
  return {
    client,
    counts: () => ({ ...counts }),
    total: () => Object.values(counts).reduce((sum, count) => sum + count, 0),
  };
}
