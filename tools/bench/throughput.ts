import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { sqsParker } from '../../functions/lib/park';
import { StackExchangeClient } from '../../functions/lib/stackexchange/client';
import { maxConcurrencyFor, PIPELINE_DEFAULTS } from '../../infra/settings';
import type { LocalSqs } from '../local-sqs';
import { startSimulator } from '../simulator';
import { createBaselineHandler } from './baseline-handler';
import { type EventSourceResult, runEventSource } from './event-source';
import { invokeProduct } from './product';
import type { Workload } from './workloads';

export type Implementation = 'product' | 'baseline';

export interface ThroughputFigures {
  readonly workload: string;
  readonly implementation: Implementation;
  readonly tokensEnqueued: number;
  readonly tokensConfirmed: number;
  readonly apiCalls: number;
  readonly apiCallsPer1000Tokens: number;
  readonly tokensPerCall: number;
  /** Tokens resolved (carried by successful calls) per second of wall time. */
  readonly tokensPerSecond: number;
  readonly throttleViolations: number;
  readonly backoffViolations: number;
  readonly peakRssMb: number;
  readonly eventSource: EventSourceResult;
  readonly messages: number;
}

/** The deployment's request budget (all functions together) and its split, as the CDK construct derives it. */
export const BUDGET = {
  totalRequestsPerSecond: PIPELINE_DEFAULTS.totalRequestsPerSecond,
  perFunction: PIPELINE_DEFAULTS.requestsPerSecondPerFunction,
  concurrency: maxConcurrencyFor(
    PIPELINE_DEFAULTS.totalRequestsPerSecond,
    PIPELINE_DEFAULTS.requestsPerSecondPerFunction,
  ),
} as const;

/** Swallows stdout while the handlers log and publish EMF (the bench prints its own progress on stderr). */
async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await run();
  } finally {
    process.stdout.write = write;
  }
}

/** Runs one workload through one implementation against a fresh simulator with realistic latency. */
export async function runThroughput(
  workload: Workload,
  implementation: Implementation,
  options: {
    readonly seed: number;
    readonly sqs: LocalSqs;
    readonly dlqUrl: string;
    readonly timeLimitMs: number;
  },
): Promise<ThroughputFigures> {
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
  const messages = bursts.reduce((sum, burst) => sum + burst.bodies.length, 0);

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);

  let handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
  let batchSize: number;
  let concurrency: number;
  if (implementation === 'product') {
    const park = sqsParker({ queueUrl: options.dlqUrl, sqs: () => options.sqs.client });
    // One client per function instance: each keeps its own share of the request budget, as in Lambda.
    const instances = Array.from({ length: BUDGET.concurrency }, () => {
      const client = new StackExchangeClient({
        apiUrl: simulator.url,
        requestsPerSecond: BUDGET.perFunction,
      });
      return { client, busy: false };
    });
    handler = async (event) => {
      const instance = instances.find((i) => !i.busy) ?? (instances[0] as (typeof instances)[number]);
      instance.busy = true;
      try {
        return await invokeProduct(event, instance.client, park);
      } finally {
        instance.busy = false;
      }
    };
    batchSize = PIPELINE_DEFAULTS.batchSize;
    concurrency = BUDGET.concurrency;
  } else {
    handler = createBaselineHandler(simulator.url);
    batchSize = 10; // Lambda's default batch size, no batching window
    concurrency = BUDGET.concurrency;
  }

  const eventSource = await quietly(() =>
    runEventSource(bursts, handler, {
      batchSize,
      batchingWindowMs:
        implementation === 'product' ? PIPELINE_DEFAULTS.maxBatchingWindowInSeconds * 1000 : 0,
      concurrency,
      retryDelayMs: 2000,
      maxReceiveCount: PIPELINE_DEFAULTS.maxReceiveCount,
      timeLimitMs: options.timeLimitMs,
    }),
  );
  clearInterval(sampler);
  const stats = simulator.stats();
  await simulator.close();

  const tokensConfirmed = stats.invalidated;
  const tokensDone = Math.max(1, tokensConfirmed);
  return {
    workload: workload.name,
    implementation,
    tokensEnqueued: workload.tokens,
    tokensConfirmed,
    apiCalls: stats.requests,
    apiCallsPer1000Tokens: (stats.requests / tokensDone) * 1000,
    tokensPerCall: stats.meanTokensPerSuccessfulCall,
    // Tokens resolved per second: carried by successful calls (confirmed, or already dead when a duplicate).
    tokensPerSecond: stats.tokensInSuccessfulCalls / (eventSource.wallMs / 1000),
    throttleViolations: stats.throttleViolations,
    backoffViolations: stats.backoffViolations,
    peakRssMb: peakRss / 1024 / 1024,
    eventSource,
    messages,
  };
}
