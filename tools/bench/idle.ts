import type { LocalSqs } from '../local-sqs';
import { startSimulator } from '../simulator';
import { type MonthlyCost, monthlyRunsCost, type ScheduledRuns } from './cost';
import { countingSqs } from './counting-sqs';
import type { DeployedSettings } from './deployed';
import { consumerFunction, createLaneQueue } from './lanes';

export interface IdleFigures extends ScheduledRuns {
  /** Runs measured on the empty queue (the first, cold, one excluded from the median). */
  readonly runs: number;
  readonly runMsEach: readonly number[];
  readonly monthly: MonthlyCost;
}

/**
 * The consumer's runs with no traffic: each run long-polls the empty routine queue once and ends.
 * Measures a run's wall time and SQS requests, and prices a month of them (one per tick).
 */
export async function measureIdle(sqs: LocalSqs, settings: DeployedSettings, runs = 7): Promise<IdleFigures> {
  const simulator = await startSimulator({ seed: 1 });
  const counting = countingSqs(sqs.endpoint);
  const lane = settings.consumer;
  const dlq = await sqs.createQueue('idle-dlq');
  const queueUrl = await createLaneQueue(sqs, 'idle-routine', lane, dlq.queueArn);
  const consumer = consumerFunction(
    {
      apiUrl: simulator.url,
      sqsEndpoint: sqs.endpoint,
      sqs: counting.client,
      pollerSqs: counting.pollerClient,
      parkedQueueUrl: dlq.queueUrl,
      confirmations: new Map(),
    },
    queueUrl,
    lane,
  );
  await consumer.run(); // cold: loads the SDK and builds the clients
  const before = counting.total();
  const runMsEach: number[] = [];
  for (let i = 0; i < runs; i++) runMsEach.push((await consumer.run()).durationMs);
  const sqsRequestsPerRun = (counting.total() - before) / runs;
  counting.destroy();
  await simulator.close();
  const sorted = [...runMsEach].sort((a, b) => a - b);
  const idle: ScheduledRuns = {
    tickSeconds: lane.tickSeconds,
    runMs: sorted[Math.floor(sorted.length / 2)] as number,
    sqsRequestsPerRun,
    memoryMb: settings.memoryMb,
  };
  return { ...idle, runs, runMsEach, monthly: monthlyRunsCost(idle) };
}
