import type { SQSClient } from '@aws-sdk/client-sqs';
import { startSqsEventSource } from '../event-source';
import { Schedule } from '../local-pipeline/schedule';
import type { LocalSqs } from '../local-sqs';
import { type Simulator, startSimulator } from '../simulator';
import { createBaselineHandler } from './baseline-handler';
import { type CountingSqs, countingSqs } from './counting-sqs';
import type { DeployedSettings } from './deployed';
import { sendBodies, sleep } from './edge-pipeline';
import { consumerFunction, createLaneQueue, type LaneWiring, queueDepth, startHandlerLane } from './lanes';
import type { Burst, Workload } from './workloads';

export const Implementation = {
  /** The routine lane: the scheduled single consumer with its share of the budget. */
  Consumer: 'routine consumer',
  /** Today's design: the per-batch SQS-triggered handler, 4 functions. */
  PerBatch: 'per-batch (today)',
  /** The handler a typical team writes first. */
  Baseline: 'baseline',
} as const;
export type Implementation = (typeof Implementation)[keyof typeof Implementation];

export interface BurstFigures {
  readonly workload: string;
  readonly implementation: Implementation;
  readonly tokensEnqueued: number;
  readonly tokensConfirmed: number;
  readonly messages: number;
  readonly apiCalls: number;
  readonly apiCallsPer1000Tokens: number;
  readonly tokensPerCall: number;
  /**
   * Tokens resolved (carried by successful calls) per second: from the start to the last successful
   * call, or to the end of the run when messages were left unfinished.
   */
  readonly tokensPerSecond: number;
  /** What the implementation's request budget allows: requests/s x 20. */
  readonly budgetTokensPerSecond: number;
  readonly throttleViolations: number;
  readonly backoffViolations: number;
  /** Messages still in the source queue at the end. */
  readonly unfinished: number;
  readonly deadLetters: number;
  readonly peakRssMb: number;
  readonly invocations: number;
  readonly invocationMs: number;
  readonly schedulerInvocations: number;
  readonly sqsRequests: number;
  readonly wallMs: number;
  /** What the run was given before the rest counted as unfinished. */
  readonly timeLimitMs: number;
  /** From the start to the first call the API answered. */
  readonly firstCallAfterMs: number | undefined;
}

export interface BurstOptions {
  readonly seed: number;
  readonly sqs: LocalSqs;
  readonly settings: DeployedSettings;
  /** Stop after this long even if messages remain (they are reported as unfinished). */
  readonly timeLimitMs: number;
}

/** One workload's run: its simulator, queues, counting client and peak memory. */
interface Bench {
  readonly simulator: Simulator;
  readonly counting: CountingSqs;
  readonly wiring: LaneWiring;
  readonly queueUrl: string;
  /** The local dead-letter queue: the redrive target, and where the functions park here too. */
  readonly deadLetterQueueUrl: string;
  readonly bursts: readonly Burst[];
  readonly messages: number;
  peakRss(): number;
  close(): Promise<void>;
}

async function prepare(
  workload: Workload,
  implementation: Implementation,
  options: BurstOptions,
  lane: { readonly visibilityTimeoutInSeconds: number; readonly maxReceiveCount: number },
): Promise<Bench> {
  const simulator = await startSimulator({
    seed: options.seed,
    latencyMs: { min: 50, max: 150 },
    maxRequestsPerSecond: 30,
    banSeconds: 30,
    ...(workload.faults === undefined ? {} : { faults: workload.faults }),
  });
  let random = options.seed;
  const next = () => {
    random = (random * 1103515245 + 12345) % 2147483648;
    return random / 2147483648;
  };
  const bursts = workload.bursts((count) => simulator.issueTokens(count), next);
  const name = `${workload.name}-${implementation.replace(/[^a-z]+/g, '-')}`;
  const dlq = await options.sqs.createQueue(`${name}-dlq`);
  const queueUrl = await createLaneQueue(options.sqs, name, lane, dlq.queueArn);
  const counting = countingSqs(options.sqs.endpoint);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  return {
    simulator,
    counting,
    wiring: {
      apiUrl: simulator.url,
      sqsEndpoint: options.sqs.endpoint,
      sqs: counting.client,
      pollerSqs: counting.pollerClient,
      parkedQueueUrl: dlq.queueUrl,
      confirmations: new Map(),
    },
    queueUrl,
    deadLetterQueueUrl: dlq.queueUrl,
    bursts,
    messages: bursts.reduce((sum, burst) => sum + burst.bodies.length, 0),
    peakRss: () => peak,
    async close() {
      clearInterval(sampler);
      counting.destroy();
      await simulator.close();
    },
  };
}

async function finish(
  bench: Bench,
  workload: Workload,
  implementation: Implementation,
  run: {
    readonly startedAt: number;
    readonly endedAt: number;
    readonly invocations: number;
    readonly invocationMs: number;
    readonly schedulerInvocations: number;
    readonly budgetTokensPerSecond: number;
    readonly timeLimitMs: number;
    readonly local: SQSClient;
  },
): Promise<BurstFigures> {
  const stats = bench.simulator.stats();
  const unfinished = await queueDepth(run.local, bench.queueUrl);
  // Done: up to the last successful call (not the idle tail of a run). Unfinished: the whole run.
  const lastCall = bench.simulator.requests.findLast((request) => request.status === 200)?.at;
  const firstCall = bench.simulator.requests.reduce<number | undefined>(
    (first, request) => (first === undefined || request.at < first ? request.at : first),
    undefined,
  );
  const end = unfinished === 0 && lastCall !== undefined ? lastCall : run.endedAt;
  const seconds = Math.max(0.001, (end - run.startedAt) / 1000);
  const figures: BurstFigures = {
    workload: workload.name,
    implementation,
    tokensEnqueued: workload.tokens,
    tokensConfirmed: stats.invalidated,
    messages: bench.messages,
    apiCalls: stats.requests,
    apiCallsPer1000Tokens: (stats.requests / Math.max(1, stats.invalidated)) * 1000,
    tokensPerCall: stats.meanTokensPerSuccessfulCall,
    tokensPerSecond: stats.tokensInSuccessfulCalls / seconds,
    budgetTokensPerSecond: run.budgetTokensPerSecond,
    throttleViolations: stats.throttleViolations,
    backoffViolations: stats.backoffViolations,
    unfinished,
    deadLetters: await queueDepth(run.local, bench.deadLetterQueueUrl),
    peakRssMb: bench.peakRss() / 1024 / 1024,
    invocations: run.invocations,
    invocationMs: run.invocationMs,
    schedulerInvocations: run.schedulerInvocations,
    sqsRequests: bench.counting.total(),
    wallMs: run.endedAt - run.startedAt,
    timeLimitMs: run.timeLimitMs,
    firstCallAfterMs: firstCall === undefined ? undefined : firstCall - run.startedAt,
  };
  await bench.close();
  return figures;
}

/**
 * A burst workload through today's per-batch handler or the baseline, behind the model of Lambda's
 * event source (5 pollers, at most 4 invocations). The bursts arrive while the event source runs.
 * The queue has the deployed visibility timeout (185 s): a batch reported failed comes back after the
 * run's time limit and is counted as unfinished.
 */
export async function runEventSourceBurst(
  workload: Workload,
  implementation: typeof Implementation.PerBatch | typeof Implementation.Baseline,
  options: BurstOptions,
): Promise<BurstFigures> {
  const lane = options.settings.perBatch;
  const baseline = implementation === Implementation.Baseline;
  const bench = await prepare(workload, implementation, options, lane);
  let lastInvocationEnd = 0;
  const onInvocation = () => {
    lastInvocationEnd = Date.now();
  };
  const source = baseline
    ? await startSqsEventSource({
        sqs: bench.counting.pollerClient,
        queueUrl: bench.queueUrl,
        // Lambda's default batch size, no batching window
        createHandler: () => createBaselineHandler(bench.simulator.url),
        batchSize: 10,
        maxConcurrency: lane.maxConcurrency,
        pollers: lane.pollers,
        functionTimeoutMs: lane.functionTimeoutInSeconds * 1000,
        onInvocation,
      })
    : await startHandlerLane(bench.wiring, bench.queueUrl, lane, onInvocation);
  const startedAt = Date.now();
  const sending = Promise.all(
    bench.bursts.map(async (burst) => {
      await sleep(startedAt + burst.atMs - Date.now());
      await sendBodies(bench.counting.client, bench.queueUrl, burst.bodies);
    }),
  );
  await sending;
  while (Date.now() - startedAt < options.timeLimitMs) {
    if (source.idle() && (await queueDepth(options.sqs.client, bench.queueUrl)) === 0) break;
    await sleep(200);
  }
  await source.stop();
  const stats = source.stats();
  return finish(bench, workload, implementation, {
    startedAt,
    endedAt: Math.max(lastInvocationEnd, startedAt),
    invocations: stats.invocations,
    invocationMs: stats.invocationMs,
    schedulerInvocations: 0,
    budgetTokensPerSecond: lane.maxConcurrency * lane.requestsPerSecondPerFunction * 20,
    timeLimitMs: options.timeLimitMs,
    local: options.sqs.client,
  });
}

/**
 * A burst workload through the routine lane's single consumer: the whole workload waits in the
 * routine queue (a backlog a tick finds, e.g. a leak of 10,000 tokens), the first run starts at once,
 * later runs come every tick from the schedule until the queue is empty.
 */
export async function runConsumerBurst(workload: Workload, options: BurstOptions): Promise<BurstFigures> {
  const lane = options.settings.consumer;
  const bench = await prepare(workload, Implementation.Consumer, options, lane);
  await sendBodies(
    bench.counting.client,
    bench.queueUrl,
    bench.bursts.flatMap((burst) => burst.bodies),
  );
  const consumer = consumerFunction(bench.wiring, bench.queueUrl, lane);
  const schedule = new Schedule({
    tickMs: lane.tickSeconds * 1000,
    invoke: async () => {
      await consumer.run();
    },
  });
  const startedAt = Date.now();
  schedule.resume();
  await consumer.run();
  while (Date.now() - startedAt < options.timeLimitMs) {
    if (!schedule.busy && (await queueDepth(options.sqs.client, bench.queueUrl)) === 0) break;
    await sleep(500);
  }
  await schedule.stop();
  const last = consumer.runs.at(-1);
  return finish(bench, workload, Implementation.Consumer, {
    startedAt,
    endedAt: last === undefined ? startedAt : last.startedAt + last.durationMs,
    invocations: consumer.runs.length,
    invocationMs: consumer.runs.reduce((sum, run) => sum + run.durationMs, 0),
    schedulerInvocations: consumer.runs.length,
    budgetTokensPerSecond: lane.requestsPerSecond * 20,
    timeLimitMs: options.timeLimitMs,
    local: options.sqs.client,
  });
}
