import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import pLimit from 'p-limit';
import { chunk } from '../../functions/lib/tokens';
import { PIPELINE_DEFAULTS } from '../../infra/settings';
import { type Pipeline, type PipelineOptions, startPipeline } from '../local-pipeline/pipeline';
import type { RoutineRun } from '../local-pipeline/routine-lane';
import { localSqsClient } from '../local-sqs';
import type { RecordedRequest, SimulatorOptions } from '../simulator';

/** The simulator as the other benchmarks use it: 50-150 ms a call, the API's 30 requests/s, 30 s bans. */
export const EDGE_SIMULATOR = {
  latencyMs: { min: 50, max: 150 },
  maxRequestsPerSecond: 30,
  banSeconds: 30,
} as const satisfies SimulatorOptions;

/** The simulator's slowest answer: a call is confirmed at most this long after it arrived. */
export const ANSWER_MS = EDGE_SIMULATOR.latencyMs.max;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** A pipeline of the quota-edge benchmarks, with the runs of its routine consumer. */
export interface EdgePipeline {
  readonly pipeline: Pipeline;
  readonly runs: readonly RoutineRun[];
  /** A client of the SQS endpoint the pipeline uses. */
  readonly sqs: SQSClient;
  stop(): Promise<void>;
}

/**
 * The local pipeline with the deployed settings (tick, urgent timeout and window, request split, the
 * construct's visibility and receive counts), on an SQS endpoint of the caller's (the local server, or a
 * tap in front of it), its logs discarded. Budget and simulator options come from the scenario.
 */
export async function startEdgePipeline(
  endpoint: string,
  name: string,
  options: Partial<Omit<PipelineOptions, 'sqs' | 'name' | 'onRun'>> = {},
): Promise<EdgePipeline> {
  const sqs = localSqsClient(endpoint);
  const runs: RoutineRun[] = [];
  const pipeline = await startPipeline({
    sqs: { endpoint, client: sqs },
    name,
    urgentFunctionTimeoutSeconds: PIPELINE_DEFAULTS.functionTimeoutInSeconds,
    ...options,
    simulator: { ...EDGE_SIMULATOR, ...options.simulator },
    onRun: (run) => runs.push(run),
  });
  return {
    pipeline,
    runs,
    sqs,
    async stop() {
      await pipeline.stop();
      sqs.destroy();
    },
  };
}

/** Sends bodies in batches of 10, 8 batches at a time (several producers at once). */
export async function sendBodies(sqs: SQSClient, queueUrl: string, bodies: readonly string[]): Promise<void> {
  const limit = pLimit(8);
  await Promise.all(
    chunk(bodies, 10).map((group) =>
      limit(() =>
        sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: group.map((body, index) => ({ Id: String(index), MessageBody: body })),
          }),
        ),
      ),
    ),
  );
}

/** Bodies of `tokensPerMessage` tokens each, as the enqueue library writes them. */
export function bodiesOf(
  tokens: readonly string[],
  tokensPerMessage: number,
  priority: 'routine' | 'urgent',
): string[] {
  return chunk(tokens, tokensPerMessage).map((group) =>
    JSON.stringify({
      tokens: group,
      reason: priority === 'urgent' ? 'leak' : 'logout',
      ...(priority === 'urgent' ? { priority } : {}),
    }),
  );
}

/** A call the API served (it counted, and did what it asked). */
export const served = (request: RecordedRequest) => request.status === 200;

/** When each token was first confirmed: the arrival of the first served call naming it, plus the slowest answer. */
export function confirmedAt(requests: readonly RecordedRequest[]): Map<string, number> {
  const confirmed = new Map<string, number>();
  for (const request of requests) {
    if (!served(request) || request.method !== 'invalidate') continue;
    for (const token of request.tokens)
      if (!confirmed.has(token)) confirmed.set(token, request.at + ANSWER_MS);
  }
  return confirmed;
}

/** Tokens the API was sent more than once in served invalidate calls (each costs quota again). */
export function tokensSentTwice(requests: readonly RecordedRequest[]): number {
  const seen = new Map<string, number>();
  for (const request of requests) {
    if (!served(request) || request.method !== 'invalidate') continue;
    for (const token of request.tokens) seen.set(token, (seen.get(token) ?? 0) + 1);
  }
  return [...seen.values()].filter((count) => count > 1).length;
}

/** Waits until `done()` or the time limit; resolves with whether it was done. */
export async function waitUntil(done: () => boolean | Promise<boolean>, limitMs: number): Promise<boolean> {
  const giveUpAt = Date.now() + limitMs;
  while (Date.now() < giveUpAt) {
    if (await done()) return true;
    await sleep(250);
  }
  return done();
}
