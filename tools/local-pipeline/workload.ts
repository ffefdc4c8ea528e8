import { ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { enqueueTokens } from '../../functions/enqueue';
import { RevocationPriority } from '../../functions/lib/message';
import { MAX_TOKENS_PER_CALL } from '../../functions/lib/tokens';
import { type FaultKind, seededRandom } from '../simulator';
import type { Pipeline, SqsServer } from './pipeline';

/** What the demo sends, to check the end state against. */
export interface DemoWorkload {
  /** Single-token logouts on the routine queue: each must end invalidated. */
  readonly routine: readonly string[];
  /** A leaked token on the urgent queue: it must end invalidated, at once. */
  readonly urgent: readonly string[];
  /** A compromised account's tokens, de-authenticated through the urgent queue. */
  readonly deauthenticate: readonly string[];
  /** A valid-looking token the API rejects: it must end parked (`rejected_by_api`). */
  readonly rejected: readonly string[];
  /** Raw bodies a careless producer sent: each must end parked with a reason. */
  readonly hostileMessages: number;
  /** A logout SQS dead-lettered (its consumer crashed holding it): left in the DLQ, token live, for `dlq redrive`. */
  readonly replayable: readonly string[];
  /** When the urgent token was sent (ms since the epoch), once it was. */
  urgentSentAt(): number | undefined;
  /** When the compromised account's tokens were sent (ms since the epoch). */
  readonly deauthenticateSentAt: number;
  /** Routine logouts sent so far. */
  routineSent(): number;
  /** Resolves when everything is sent. */
  readonly sent: Promise<void>;
}

export interface DemoOptions {
  /** Routine logouts; rounded up to a multiple of 20 so that every call can be full. @default 60 */
  readonly tokens?: number;
  /** The trickle's length: logouts arrive one by one (Poisson) over this time. */
  readonly trickleMs: number;
  /** Seed of the arrival times. @default 1 */
  readonly seed?: number;
}

/** The transient faults `--fault-rate` draws from: 5xx answers, HTML pages, resets, timeouts, backoff. */
export const TRANSIENT_FAULTS: readonly FaultKind[] = [
  'internal_error',
  'temporarily_unavailable',
  'html_503',
  'connection_reset',
  'timeout',
  'backoff',
];

/** Bodies the enqueue library would refuse, sent the way a producer that skips it would. */
const HOSTILE_BODIES = [
  'not json at all',
  '{"tokens": ["a;b", "../x", "x/y", "%2F", " "]}',
  '{"hello": "no tokens here"}',
  '{"token": "abc", "action": "explode"}',
];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Leaves one message in the dead-letter queue the way SQS does: a consumer receives it and crashes
 * before deleting it, `maxReceiveCount` times; the next receive makes SQS move it (redrive policy).
 * The routine schedule is off meanwhile (its first tick may come within a loaded machine's receives:
 * that run would revoke the message), and comes back with its first tick one period later.
 */
async function deadLetterOne(sqs: SqsServer, pipeline: Pipeline, body: string): Promise<void> {
  const scheduled = pipeline.routine.nextRunAt() !== undefined;
  pipeline.routine.pause();
  try {
    while (pipeline.routine.busy()) await sleep(20);
    const queueUrl = pipeline.routineQueueUrl;
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    for (let receive = 0; receive <= pipeline.settings.routine.maxReceiveCount; receive += 1) {
      await sqs.client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0, MaxNumberOfMessages: 1 }),
      );
    }
  } finally {
    if (scheduled) pipeline.routine.resume();
  }
}

/**
 * The demo: a trickle of single-token logouts on the routine queue (the consumer sends them in calls
 * of 20), a leaked token and a compromised account on the urgent queue (revoked at once), a token
 * the API rejects, hostile bodies, and one dead-lettered logout for `dlq redrive`.
 */
export async function startDemo(
  sqs: SqsServer,
  pipeline: Pipeline,
  options: DemoOptions,
): Promise<DemoWorkload> {
  const { simulator } = pipeline;
  const count = Math.ceil((options.tokens ?? 60) / MAX_TOKENS_PER_CALL) * MAX_TOKENS_PER_CALL;
  const routine = simulator.issueTokens(count);
  const urgent = simulator.issueTokens(1);
  const deauthenticate = simulator.issueTokens(2);
  const rejected = simulator.issueTokens(1);
  const replayable = simulator.issueTokens(1);
  simulator.poisonTokens(rejected);
  const send = async (
    priority: RevocationPriority,
    tokens: readonly string[],
    extra: { reason: string; action?: 'deauthenticate' },
  ) => {
    const result = await enqueueTokens(tokens, {
      queueUrl: pipeline.routineQueueUrl,
      urgentQueueUrl: pipeline.urgentQueueUrl,
      priority,
      sqsClient: sqs.client,
      source: 'demo',
      ...extra,
    });
    if (result.failed > 0) throw new Error(`${result.failed} demo token(s) could not be enqueued`);
  };

  await deadLetterOne(
    sqs,
    pipeline,
    JSON.stringify({ token: replayable[0], reason: 'logout', source: 'demo' }),
  );
  await sqs.client.send(
    new SendMessageBatchCommand({
      QueueUrl: pipeline.routineQueueUrl,
      Entries: HOSTILE_BODIES.map((body, i) => ({ Id: String(i), MessageBody: body })),
    }),
  );
  const deauthenticateSentAt = Date.now();
  await send(RevocationPriority.Urgent, deauthenticate, {
    reason: 'account_compromised',
    action: 'deauthenticate',
  });
  await send(RevocationPriority.Urgent, rejected, { reason: 'leak' });

  let urgentSentAt: number | undefined;
  let routineSent = 0;
  const random = seededRandom(options.seed ?? 1);
  const meanGapMs = options.trickleMs / count;
  const sent = (async () => {
    const started = Date.now();
    for (const [index, token] of routine.entries()) {
      if (urgentSentAt === undefined && index >= count / 3) {
        urgentSentAt = Date.now();
        await send(RevocationPriority.Urgent, urgent, { reason: 'leak' });
      }
      await send(RevocationPriority.Routine, [token], { reason: 'logout' });
      routineSent += 1;
      // Poisson arrivals, squeezed so the last one comes before the trickle's end.
      const gap = -Math.log(1 - random()) * meanGapMs;
      await sleep(Math.min(gap, started + options.trickleMs - Date.now()));
    }
  })();

  return {
    routine,
    urgent,
    deauthenticate,
    rejected,
    hostileMessages: HOSTILE_BODIES.length,
    replayable,
    urgentSentAt: () => urgentSentAt,
    deauthenticateSentAt,
    routineSent: () => routineSent,
    sent,
  };
}
