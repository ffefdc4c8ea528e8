import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type HandlerConfig, readConfig } from '../../functions/lib/config';
import type { Telemetry } from '../../functions/lib/telemetry';
import { createHandler } from '../../functions/revoke-tokens/create-handler';
import { readConsumerConfig } from '../../functions/routine-consumer/config';
import { createConsumer } from '../../functions/routine-consumer/create-consumer';
import type { DrainReport } from '../../functions/routine-consumer/drain';
import {
  type HandlerFactory,
  type InvocationReport,
  type SqsEventSource,
  startSqsEventSource,
} from '../event-source';
import type { LocalSqs } from '../local-sqs';
import type { ConsumerLane, EventSourceLane } from './deployed';
import { type Confirmations, TimedClient } from './timed-client';

/** What every lane of one design shares: the API, the SQS server, the dead-letter queue, the clock of confirmations. */
export interface LaneWiring {
  readonly apiUrl: string;
  readonly sqsEndpoint: string;
  /** The client the lane's functions use (a counting one, for the cost model). */
  readonly sqs: SQSClient;
  /** The client the event source's pollers use (counting, receives spread over the pollers). */
  readonly pollerSqs: SQSClient;
  readonly parkedQueueUrl: string;
  readonly confirmations: Confirmations;
}

/** The environment both functions read, as the construct sets it (the app key is not needed by the simulator). */
function environment(wiring: LaneWiring, requestsPerSecond: number, callConcurrency: number) {
  return {
    STACKEXCHANGE_API_URL: wiring.apiUrl,
    STACKEXCHANGE_REQUESTS_PER_SECOND: String(requestsPerSecond),
    STACKEXCHANGE_CALL_CONCURRENCY: String(callConcurrency),
    PARKED_QUEUE_URL: wiring.parkedQueueUrl,
    AWS_ENDPOINT_URL_SQS: wiring.sqsEndpoint,
  };
}

const silent = () => undefined;

/**
 * The functions' Powertools logger and metrics, with the logger silenced and the metrics' warnings
 * dropped (the bench prints its own progress; EMF blocks still go to stdout, which the bench mutes).
 */
function quietTelemetry(config: HandlerConfig): Telemetry {
  return {
    logger: new Logger({ serviceName: config.serviceName, logLevel: 'SILENT' }),
    metrics: new Metrics({
      serviceName: config.serviceName,
      namespace: config.metricsNamespace,
      logger: { debug: silent, info: silent, warn: silent, error: silent },
    }),
  };
}

function timedClient(wiring: LaneWiring, config: ReturnType<typeof readConfig>): TimedClient {
  return new TimedClient(
    {
      apiUrl: config.apiUrl,
      authStyle: config.authStyle,
      requestsPerSecond: config.requestsPerSecond,
      timeoutMs: config.timeoutMs,
      maxAttempts: config.maxAttempts,
    },
    wiring.confirmations,
  );
}

/** Messages in a queue, visible and in flight. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** Creates a source queue with the lane's visibility timeout and redrive policy into the shared dead-letter queue. */
export async function createLaneQueue(
  sqs: LocalSqs,
  name: string,
  lane: { readonly visibilityTimeoutInSeconds: number; readonly maxReceiveCount: number },
  deadLetterQueueArn: string,
): Promise<string> {
  const { queueUrl } = await sqs.createQueue(name, {
    visibilityTimeoutInSeconds: lane.visibilityTimeoutInSeconds,
    deadLetter: { queueArn: deadLetterQueueArn, maxReceiveCount: lane.maxReceiveCount },
  });
  return queueUrl;
}

/**
 * The per-batch SQS-triggered handler (today's design, and the urgent lane) behind the model of
 * Lambda's event source: each execution environment is the real handler built by createHandler
 * from the lane's configuration, with its own client and share of the request budget.
 */
export function startHandlerLane(
  wiring: LaneWiring,
  queueUrl: string,
  lane: EventSourceLane,
  onInvocation?: (report: InvocationReport) => void,
  functionTimeoutInSeconds = lane.functionTimeoutInSeconds,
): Promise<SqsEventSource> {
  const config = readConfig(environment(wiring, lane.requestsPerSecondPerFunction, lane.callConcurrency));
  const createInstance: HandlerFactory = () =>
    createHandler(config, {
      client: timedClient(wiring, config),
      sqs: wiring.sqs,
      telemetry: quietTelemetry(config),
    });
  return startSqsEventSource({
    sqs: wiring.pollerSqs,
    queueUrl,
    createHandler: createInstance,
    batchSize: lane.batchSize,
    maxBatchingWindowMs: lane.maxBatchingWindowInSeconds * 1000,
    maxConcurrency: lane.maxConcurrency,
    pollers: lane.pollers,
    functionTimeoutMs: functionTimeoutInSeconds * 1000,
    onInvocation,
  });
}

/** One scheduled run of the consumer as Lambda would bill it. */
export interface ConsumerRun {
  readonly startedAt: number;
  readonly durationMs: number;
  /** The run outlived the function timeout (Lambda would have stopped it). */
  readonly timedOut: boolean;
  readonly report: DrainReport | undefined;
  readonly error: string | undefined;
}

export interface ConsumerFunction {
  /** Invokes the function once, with a context whose remaining time is the function timeout. */
  run(): Promise<ConsumerRun>;
  readonly runs: readonly ConsumerRun[];
}

/** The routine lane's single consumer: one warm instance of createConsumer (reserved concurrency 1). */
export function consumerFunction(wiring: LaneWiring, queueUrl: string, lane: ConsumerLane): ConsumerFunction {
  const config = readConsumerConfig({
    ...environment(wiring, lane.requestsPerSecond, lane.callConcurrency),
    ROUTINE_QUEUE_URL: queueUrl,
    TICK_SECONDS: String(lane.tickSeconds),
    MAX_HOLD_SECONDS: String(lane.maxHoldSeconds),
  });
  const consumer = createConsumer(config, {
    client: timedClient(wiring, config),
    sqs: wiring.sqs,
    telemetry: quietTelemetry(config),
  });
  const timeoutMs = lane.functionTimeoutInSeconds * 1000;
  const runs: ConsumerRun[] = [];
  return {
    runs,
    async run() {
      const startedAt = Date.now();
      const deadline = startedAt + timeoutMs;
      let report: DrainReport | undefined;
      let error: string | undefined;
      try {
        report = await consumer({}, { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) });
      } catch (thrown) {
        error = thrown instanceof Error ? thrown.name : 'Error';
      }
      const durationMs = Date.now() - startedAt;
      const run = { startedAt, durationMs, timedOut: durationMs > timeoutMs, report, error };
      runs.push(run);
      return run;
    },
  };
}
