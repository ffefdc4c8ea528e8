import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { enqueueTokens } from '../../functions/enqueue';
import type { Simulator } from '../simulator';

/** What the demo sent, to check the end state against. */
export interface DemoWorkload {
  /** Valid tokens that must end invalidated (or de-authenticated). */
  readonly valid: readonly string[];
  readonly deauthenticate: readonly string[];
  /** A valid-looking token the API rejects: it must end parked. */
  readonly rejected: readonly string[];
  /** Raw bodies a careless producer sent: each must end parked with a reason. */
  readonly hostileMessages: number;
  readonly messages: number;
}

/** Bodies the enqueue library would refuse, sent the way a producer that skips it would. */
const HOSTILE_BODIES = [
  'not json at all',
  '{"tokens": ["a;b", "../x", "x/y", "%2F", " "]}',
  '{"hello": "no tokens here"}',
  '{"token": "abc", "action": "explode"}',
];

/**
 * Enqueues the demo: logouts (one token per message), a bulk request, duplicates, a de-authentication,
 * a token the API rejects (with the enqueue library), and a few hostile bodies (raw SQS calls).
 */
export async function enqueueDemo(
  sqs: SQSClient,
  queueUrl: string,
  simulator: Simulator,
  tokens: number,
): Promise<DemoWorkload> {
  const logouts = simulator.issueTokens(Math.max(1, Math.floor(tokens * 0.6)));
  const bulk = simulator.issueTokens(Math.max(1, tokens - logouts.length - 3));
  const deauthenticate = simulator.issueTokens(2);
  const rejected = simulator.issueTokens(1);
  simulator.poisonTokens(rejected);

  let messages = 0;
  const send = async (
    list: readonly string[],
    options: { reason: string; tokensPerMessage?: number; action?: 'deauthenticate' },
  ) => {
    const result = await enqueueTokens(list, { queueUrl, sqsClient: sqs, source: 'sandbox', ...options });
    if (result.failed > 0) throw new Error(`${result.failed} token(s) could not be enqueued`);
    messages += result.messages;
  };
  await send(logouts, { reason: 'logout', tokensPerMessage: 1 });
  await send(bulk, { reason: 'account_closed' });
  await send(logouts.slice(0, Math.min(10, logouts.length)), { reason: 'logout', tokensPerMessage: 1 }); // duplicates
  await send(deauthenticate, { reason: 'leak', action: 'deauthenticate' });
  await send(rejected, { reason: 'logout' });
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: HOSTILE_BODIES.map((body, i) => ({ Id: String(i), MessageBody: body })),
    }),
  );
  return {
    valid: [...logouts, ...bulk],
    deauthenticate,
    rejected,
    hostileMessages: HOSTILE_BODIES.length,
    messages: messages + HOSTILE_BODIES.length,
  };
}
