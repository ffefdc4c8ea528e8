import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { AuditTrail } from '../../functions/lib/audit';
import { Governor } from '../../functions/lib/control/governor';
import { memoryControlStore } from '../../functions/lib/control/store';
import { type Parker, sqsParker } from '../../functions/lib/park';
import type { ParkingKey } from '../../functions/lib/parked-message';
import { StackExchangeClient } from '../../functions/lib/stackexchange/client';
import { createTelemetry } from '../../functions/lib/telemetry';
import { Lane } from '../../functions/lib/telemetry-names';
import { chunk } from '../../functions/lib/tokens';
import {
  type DrainClock,
  type DrainReport,
  type DrainSettings,
  drain,
} from '../../functions/routine-consumer/drain';
import { QuotaWatch } from '../../functions/routine-consumer/quota';
import { type RoutineQueue, routineQueue } from '../../functions/routine-consumer/routine-queue';
import { type LocalSqs, type LocalSqsOptions, startLocalSqs } from '../../tools/local-sqs';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../tools/simulator';
import { lambdaContext } from '../support/lambda';
import { clockContext } from './manual-clock';

const { logger } = createTelemetry({ serviceName: 'routine-test', metricsNamespace: 'RoutineTest' });

/** Settings of a fast run: a 6 s tick (1 s rounds), a 5 s function. */
export const FAST: DrainSettings = {
  tickSeconds: 6,
  maxHoldSeconds: 60,
  maxDeferSeconds: 900,
  quotaReserveFraction: 0.5,
  receiveWaitSeconds: 1,
  requestsPerSecond: 25,
  callConcurrency: 4,
  safetyMarginMs: 500,
};

/** Sends bodies (objects JSON-encoded) to a queue, 10 per call. */
export async function sendBodies(sqs: LocalSqs, queueUrl: string, bodies: readonly (string | object)[]) {
  for (const group of chunk(bodies, 10)) {
    await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: group.map((body, index) => ({
          Id: String(index),
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        })),
      }),
    );
  }
}

/** Visible and in-flight message counts of a queue. */
export async function queueDepth(sqs: LocalSqs, queueUrl: string) {
  const { Attributes } = await sqs.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** Receives what is visible now (short poll loop), leaving it invisible for a minute. */
export async function visibleNow(sqs: LocalSqs, queueUrl: string): Promise<number> {
  let count = 0;
  for (;;) {
    const { Messages } = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
      }),
    );
    if (!Messages?.length) return count;
    count += Messages.length;
  }
}

export interface RunOptions {
  readonly sqs: LocalSqs;
  readonly apiUrl: string;
  readonly queueUrl: string;
  readonly parkedQueueUrl: string;
  readonly settings?: Partial<DrainSettings>;
  readonly quota?: QuotaWatch;
  readonly client?: StackExchangeClient;
  /** Time the run's function has. @default 5000 */
  readonly remainingMs?: number;
  /** The scheduler's `scheduledTime` of the run. @default undefined */
  readonly scheduledAt?: number;
  /** The routine lane's governor. @default one over a store of its own with a budget of 9,000 calls */
  readonly governor?: Governor;
  /** @default parks in the dead-letter queue given */
  readonly park?: Parker;
  /** The run's clock; the function's remaining time is counted on it. @default the system clock */
  readonly clock?: DrainClock;
  /** Wraps the routine queue (to count SQS time on a manual clock, to record). @default none */
  readonly wrapQueue?: (queue: RoutineQueue) => RoutineQueue;
  /** @default none */
  readonly audit?: AuditTrail;
  /** @default none */
  readonly parkingKey?: ParkingKey;
}

/** One run of the consumer against real local servers. */
export function runDrain(options: RunOptions): Promise<DrainReport> {
  const settings = { ...FAST, ...options.settings };
  const client =
    options.client ??
    new StackExchangeClient({
      apiUrl: options.apiUrl,
      requestsPerSecond: settings.requestsPerSecond,
      retryBaseDelayMs: 10,
    });
  const remainingMs = options.remainingMs ?? 5000;
  const queue = routineQueue(options.sqs.client, options.queueUrl, () => undefined);
  return drain(
    options.clock === undefined ? lambdaContext(remainingMs) : clockContext(options.clock, remainingMs),
    settings,
    {
      client,
      queue: options.wrapQueue?.(queue) ?? queue,
      park: options.park ?? sqsParker({ queueUrl: options.parkedQueueUrl, sqs: () => options.sqs.client }),
      logger,
      quota: options.quota ?? new QuotaWatch(),
      governor:
        options.governor ??
        new Governor(memoryControlStore(), { dailyCallBudget: 9000, urgentReserveCalls: 1800 }, Lane.Routine),
      clock: options.clock,
      audit: options.audit,
      parkingKey: options.parkingKey,
    },
    options.scheduledAt,
  );
}

/**
 * The local servers of a drain test file: one SQS server for the file; per test a simulator, a routine
 * queue with its dead-letter queue (the redrive target), and the parked queue runs park in.
 */
export interface DrainQueues {
  readonly sqs: LocalSqs;
  readonly sim: Simulator;
  readonly queueUrl: string;
  /** The routine queue's redrive target: nothing parks here. */
  readonly dlqUrl: string;
  /** Where runs park bad input (PARKED_QUEUE_URL). */
  readonly parkedUrl: string;
  /** One run against this test's queue and simulator. */
  run(options?: Partial<RunOptions>): Promise<DrainReport>;
  /** Issues `count` live tokens and sends each as a single-token logout; returns the tokens. */
  sendLogouts(count: number): Promise<string[]>;
}

/**
 * Registers the hooks of a drain test file; read the fields inside tests (they change per test).
 * `sqsOptions` go to the file's SQS server.
 */
export function useDrainQueues(
  name: string,
  simulatorOptions: SimulatorOptions = {},
  sqsOptions: LocalSqsOptions = {},
): DrainQueues {
  const state: { sqs?: LocalSqs; sim?: Simulator; queueUrl?: string; dlqUrl?: string; parkedUrl?: string } =
    {};
  let n = 0;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} starts in the test hooks`);
    return value;
  };
  beforeAll(async () => {
    state.sqs = await startLocalSqs(sqsOptions);
  });
  afterAll(() => state.sqs?.stop());
  beforeEach(async () => {
    n += 1;
    const sqs = need(state.sqs, 'the local SQS server');
    state.sim = await startSimulator(simulatorOptions);
    const dlq = await sqs.createQueue(`${name}-dlq-${n}`);
    state.dlqUrl = dlq.queueUrl;
    state.parkedUrl = (await sqs.createQueue(`${name}-parked-${n}`)).queueUrl;
    state.queueUrl = (
      await sqs.createQueue(`${name}-${n}`, { deadLetter: { queueArn: dlq.queueArn, maxReceiveCount: 15 } })
    ).queueUrl;
  });
  afterEach(() => state.sim?.close());
  const queues: DrainQueues = {
    get sqs() {
      return need(state.sqs, 'the local SQS server');
    },
    get sim() {
      return need(state.sim, 'the simulator');
    },
    get queueUrl() {
      return need(state.queueUrl, 'the routine queue');
    },
    get dlqUrl() {
      return need(state.dlqUrl, 'the dead-letter queue');
    },
    get parkedUrl() {
      return need(state.parkedUrl, 'the parked queue');
    },
    run: (options = {}) =>
      runDrain({
        sqs: queues.sqs,
        apiUrl: queues.sim.url,
        queueUrl: queues.queueUrl,
        parkedQueueUrl: queues.parkedUrl,
        ...options,
      }),
    async sendLogouts(count) {
      const tokens = queues.sim.issueTokens(count);
      await sendBodies(
        queues.sqs,
        queues.queueUrl,
        tokens.map((token) => ({ token })),
      );
      return tokens;
    },
  };
  return queues;
}

/** The error lines (Powertools JSON) of captured output. */
export function loggedErrors(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.level === 'ERROR');
}

/** A client that tries a refused call again 50 ms later (no jitter): one call of a send ends after the others. */
export function retryingClient(apiUrl: string): StackExchangeClient {
  return new StackExchangeClient({ apiUrl, requestsPerSecond: 25, retryBaseDelayMs: 50, random: () => 1 });
}
